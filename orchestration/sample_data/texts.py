"""Word lists and free-text templates (fi, en, sv) that the sample-data generator draws from."""

from __future__ import annotations


def _words(text: str) -> list[str]:
    """Space-separated word lists stay compact where one-item-per-line lists would sprawl."""
    return text.split()


FIRST_NAMES = _words(
    "Matti Mikko Juha Timo Jukka Antti Petri Ville Eero Janne Olli Sami Tuomas Aleksi Lauri "
    "Kalle Sari Anna Maria Tiina Laura Johanna Aino Elina Hanna Minna Päivi Kirsi Satu Riikka "
    "Emilia Sofia Helmi Noora Outi Anu Jaana Kaisa Linnea Åsa"
)
LAST_NAMES = _words(
    "Virtanen Korhonen Mäkinen Nieminen Mäkelä Hämäläinen Laine Heikkinen Koskinen Järvinen "
    "Lehtonen Lehtinen Saarinen Salminen Heinonen Niemi Heikkilä Kinnunen Salonen Turunen "
    "Salo Laitinen Tuominen Rantanen Karjalainen Jokinen Mattila Savolainen Lahtinen Ahonen "
    "Lindholm Nyström Holmberg Björklund Väisänen Kettunen Peltonen Aaltonen"
)
# Business-line words for small-company names: "Virtanen Rakennus Oy", "Pohjolan Sähkö Ky".
TRADES = _words(
    "Rakennus Kuljetus Sähkö Konepaja Tilitoimisto Kiinteistöpalvelu Metalli Puutarha "
    "Ravintola IT-palvelut Logistiikka Putkityö Maalaus Kauppa Konsultointi Siivous "
    "Autokorjaamo Mainostoimisto"
)
PLACE_PREFIXES = _words(
    "Pohjolan Suomen Hämeen Saimaan Lapin Kalevan Järvi-Suomen Itämeren Nordic Aurora "
    "Merituulen Kaakon Länsirannikon"
)
ENTERPRISE_WORDS = _words(
    "Teollisuus Logistiikka Energia Rakennus Kauppa Elintarvike Metsä Teknologia Palvelut "
    "Kiinteistöt Media Kemia"
)
# Municipality genitives per region, for public-sector customers ("Tampereen kaupunki").
REGION_CITIES = {
    "Uusimaa": ["Helsingin", "Espoon", "Vantaan", "Porvoon", "Lohjan", "Keravan"],
    "Pirkanmaa": ["Tampereen", "Nokian", "Ylöjärven", "Kangasalan", "Valkeakosken"],
    "Varsinais-Suomi": ["Turun", "Salon", "Kaarinan", "Raision", "Naantalin"],
    "Pohjois-Pohjanmaa": ["Oulun", "Raahen", "Kempeleen", "Ylivieskan"],
    "Keski-Suomi": ["Jyväskylän", "Äänekosken", "Jämsän", "Laukaan"],
}
PUBLIC_BODIES = [
    "{city} kaupunki",
    "{city} kaupungin tilakeskus",
    "{city} seudun koulutuskuntayhtymä",
    "{city} kaupungin liikuntapalvelut",
    "{city} seudun jätehuolto",
]
COMPANY_INDUSTRIES = _words(
    "retail manufacturing construction logistics it_services professional_services healthcare "
    "hospitality energy finance"
)
PUBLIC_INDUSTRIES = ["public_administration", "education", "healthcare"]
EMAIL_DOMAINS = ["example.fi", "example.com", "example.org", "example.net"]

COMMENTS: dict[str, dict[str, list[str]]] = {
    "fi": {
        "positive": [
            "Palvelu oli nopeaa ja ystävällistä.",
            "Asia hoitui kerralla, kiitos!",
            "Myyjä tunsi tuotteet hyvin ja osasi neuvoa.",
            "Kaikki toimi niin kuin pitikin.",
            "Asiakaspalvelija oli todella avulias, vaikka kysymykseni oli hankala.",
            "Selkeät ohjeet, ei tarvinnut soittaa uudestaan.",
            "Luotettava kumppani jo vuosia.",
            'Sain "ihan oikeaa" palvelua enkä pelkkää skriptiä.',
            "Nopea toimitus, hyvä laatu ja reilu hinta.",
        ],
        "neutral": [
            "Ihan ok, mutta odotin vähän enemmän.",
            "Palvelu toimi, joskin jonotusaika oli pitkä.",
            "Hinta on hieman korkea, muuten hyvä.",
            "Ei erityistä moitittavaa, ei myöskään kehuttavaa.",
            "Verkkosivuilta oli vaikea löytää tietoa, mutta asia hoitui lopulta.",
            "Laskussa oli epäselvyyksiä, jotka korjattiin.",
            "Perusvarma, ei mitään yllättävää.",
        ],
        "negative": [
            "Jouduin soittamaan kolme kertaa samasta asiasta.",
            "Kukaan ei vastannut sähköpostiini viikkoon.",
            "Lasku oli väärin, eikä kukaan osannut selittää miksi.",
            "Palvelu oli tylyä ja välinpitämätöntä.",
            "Tilaus myöhästyi, eikä siitä ilmoitettu.",
            'Minulle sanottiin "asia on hoidossa", mutta mitään ei tapahtunut.',
            "Liian kallis siihen nähden, mitä saa.",
            "Sivusto kaatui kesken tilauksen.",
        ],
        "incident": [
            "Jonotin asiakaspalveluun yli tunnin.",
            "Tukeen ei päässyt läpi, chat oli koko ajan suljettu.",
            "Tikettiini ei ole vastattu kahteen viikkoon.",
            'Puhelimessa kuului vain "kaikki linjat ovat varattuja", monta päivää putkeen.',
        ],
    },
    "en": {
        "positive": [
            "Fast, friendly service.",
            "Sorted out on the first call, thanks!",
            "The sales rep knew the products well and gave good advice.",
            "Everything just worked.",
            "The agent was really helpful, even though my question was tricky.",
            "Clear instructions, no need to call back.",
            'Felt like "real" service rather than a script.',
        ],
        "neutral": [
            "It was fine, but I expected a bit more.",
            "Service worked, although the wait was long.",
            "A bit pricey, otherwise good.",
            "Nothing to complain about, nothing to praise either.",
            "Hard to find information on the website, but it got sorted in the end.",
        ],
        "negative": [
            "I had to call three times about the same issue.",
            "Nobody answered my email for a week.",
            "The invoice was wrong, and nobody could explain why.",
            "Rude, indifferent service.",
            "The order was late and nobody told us.",
            'I was told "it is being handled", but nothing happened.',
            "Far too expensive for what you get.",
        ],
        "incident": [
            "Waited over an hour on the support line.",
            "Could not reach support at all, the chat was always closed.",
            "My ticket has had no answer for two weeks.",
        ],
    },
    "sv": {
        "positive": [
            "Snabb och vänlig service.",
            "Ärendet löstes direkt, tack!",
            "Säljaren kunde produkterna och gav bra råd.",
            "Allt fungerade som det skulle.",
        ],
        "neutral": [
            "Helt okej, men jag väntade mig lite mer.",
            "Servicen fungerade, även om väntetiden var lång.",
            "Lite dyrt, annars bra.",
        ],
        "negative": [
            "Jag fick ringa tre gånger om samma sak.",
            "Ingen svarade på min e-post på en vecka.",
            "Fakturan var fel, och ingen kunde förklara varför.",
            'Man sade "det ordnar sig", men ingenting hände.',
        ],
        "incident": [
            "Jag köade över en timme till kundtjänsten.",
            "Kom inte fram till supporten, chatten var alltid stängd.",
        ],
    },
}
SUGGESTIONS: dict[str, list[str]] = {
    "fi": [
        "Pidemmät aukioloajat iltaisin.",
        "Chat myös viikonloppuisin.",
        "Selkeämpi lasku.",
        "Nopeampi toimitus.",
        "Takaisinsoitto jonottamisen sijaan.",
        "Kanta-asiakasetuja, kiitos.",
        "Oma yhteyshenkilö yritysasiakkaille.",
    ],
    "en": [
        "Longer opening hours in the evening.",
        "Chat support at weekends.",
        "A clearer invoice.",
        "Faster delivery.",
        "A call-back instead of queueing.",
    ],
    "sv": [
        "Längre öppettider på kvällen.",
        "Chatt även på helger.",
        "Tydligare faktura.",
    ],
}
# "{contact}" is replaced by an e-mail address or a phone number: the PII the warehouse must mask.
EMAIL_SENTENCES = {
    "fi": ["Ottakaa yhteyttä: {contact}", "Voitte vastata osoitteeseen {contact}, kiitos."],
    "en": ["Please contact me at {contact}.", "Reply to {contact}, thanks."],
    "sv": ["Kontakta mig på {contact}."],
}
PHONE_SENTENCES = {
    "fi": ["Soittakaa minulle numeroon {contact}.", "Tavoitatte minut numerosta {contact}"],
    "en": ["Call me back on {contact}.", "My number is {contact}, please call."],
    "sv": ["Ring mig på {contact}."],
}
CHURN_REASONS: dict[str, dict[str, list[str]]] = {
    "price": {
        "fi": ["Liian kallis", "Halvempi tarjous muualta", "Hinnankorotus"],
        "en": ["Too expensive", "Price increase"],
    },
    "service": {
        "fi": ["Huono asiakaspalvelu", "Asioita ei hoidettu", "Pitkät jonot"],
        "en": ["Poor customer service", "Issues never resolved"],
    },
    "product": {
        "fi": ["Tuote ei vastannut tarpeita", "Puuttuvat ominaisuudet"],
        "en": ["Product did not fit our needs", "Missing features"],
    },
    "moved": {
        "fi": ["Muutto toiselle paikkakunnalle", "Toiminta lopetettu"],
        "en": ["Moved away", "Business closed"],
    },
    "competitor": {
        "fi": ["Siirtyi kilpailijalle", "Kilpailijan parempi tarjous"],
        "en": ["Switched to a competitor", "Better offer from a competitor"],
    },
    "other": {
        "fi": ["Ei kerrottu syytä", "Muu syy"],
        "en": ["No reason given", "Other"],
    },
}
COMPETITORS = [
    "Nordia Palvelut Oy",
    "Sävel Solutions",
    "Pohjoistuote Oy",
    "Brightline Ltd",
    "Kaleva Direct",
    "Arctic Supply AB",
]
# Mystery shoppers' notes per checklist item: what went wrong on a low score, right on a high one.
SHOPPER_NOTES: dict[str, dict[str, list[str]]] = {
    "greeting": {
        "low": [
            "Kukaan ei huomioinut minua ensimmäiseen viiteen minuuttiin.",
            "Myyjä jatkoi puhelimen selaamista, kun tulin sisään.",
            "Puhelimeen vastattiin vasta kahdeksannella hälytyksellä.",
        ],
        "high": [
            "Minut tervehdittiin heti ovella.",
            'Iloinen "hei, miten voin auttaa?" heti alkuun.',
        ],
    },
    "needs_mapping": {
        "low": [
            "Myyjä ei kysynyt mitään käyttötarpeestani, vaan esitteli suoraan kalleimman mallin.",
            "Tarpeita ei kartoitettu, sain vain hinnaston.",
            "Kysyin neuvoa, mutta myyjä ei selvittänyt, mihin tuotetta tarvitsen.",
            "Verkkochat vastasi valmiilla fraaseilla, tilannettani ei kysytty.",
        ],
        "high": [
            "Myyjä kysyi käytöstä, budjetista ja aikataulusta ennen kuin ehdotti mitään.",
            "Tarpeeni selvitettiin huolellisesti, ja ehdotus osui kohdalleen.",
        ],
    },
    "expertise": {
        "low": [
            "Myyjä ei osannut vastata kysymykseen takuusta.",
            "Tekniset tiedot piti tarkistaa esitteestä.",
        ],
        "high": [
            "Myyjä tunsi tuotteet ja vertaili vaihtoehtoja asiantuntevasti.",
            "Sain selkeän vastauksen jokaiseen kysymykseen.",
        ],
    },
    "activity": {
        "low": [
            "Myyjä ei ehdottanut seuraavaa askelta.",
            "Keskustelu loppui, kun lakkasin kysymästä.",
        ],
        "high": [
            "Myyjä tarjoutui lähettämään tarjouksen samana päivänä.",
            "Sovimme heti jatkotapaamisen.",
        ],
    },
    "upsell": {
        "low": ["Lisätuotteita tai palveluja ei mainittu."],
        "high": [
            "Myyjä ehdotti luontevasti asennuspalvelua.",
            "Sain vinkin lisävarusteesta, joka oikeasti sopi tarpeeseen.",
        ],
    },
    "store_look": {
        "low": [
            "Hyllyt olivat sekaisin ja hintalappuja puuttui.",
            "Myymälä oli ahdas ja sotkuinen.",
        ],
        "high": ["Siisti, valoisa myymälä ja selkeät opasteet."],
    },
}
# A seller's contact handed to the shopper: the PII that notes carry into the warehouse.
SHOPPER_CONTACT_NOTES = [
    "Myyjä antoi käyntikorttinsa: {contact}",
    "Myyjä pyysi soittamaan suoraan numeroon {contact}.",
]
