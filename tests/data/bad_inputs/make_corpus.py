"""(Re)write the bad-input corpus next to this script, deterministically.

    .venv/bin/python tests/data/bad_inputs/make_corpus.py

Every file the loader test reads is committed; this script is how they were made (and how to
change one). Same script, same bytes: xlsx zips get fixed timestamps, nothing reads the clock
or a random source. Expected outcomes live in cases.yml, not here.
"""

from __future__ import annotations

import io
import re
import struct
import sys
import zipfile
import zlib
from pathlib import Path

HERE = Path(__file__).resolve().parent

SURVEY = (
    "response_id,customer_id,survey,touchpoint,channel,responded_at,nps_score,csat_score,"
    "ces_score,loyalty_score,comment"
)
SURVEY_COLUMNS = SURVEY.split(",")
ORDERS = "order_id,customer_id,ordered_at,amount,currency,status"
LONG_COMMENT = ("Palvelu oli hyvä, mutta odotin pitkään. " * 2500)[:99_999] + "."


def row(*fields: str) -> str:
    return ",".join(fields)


def quoted(text: str) -> str:
    """A field as a CSV writer would write it: quoted when it holds , ; " or a newline."""
    if any(ch in text for ch in ',;"\r\n'):
        return '"' + text.replace('"', '""') + '"'
    return text


def survey(
    rid: str,
    nps: str = "9",
    *,
    at: str = "2025-04-03T10:00:00+03:00",
    comment: str = "ok",
    csat: str = "5",
    ces: str = "2",
    loyalty: str = "5",
    customer: str = "C1",
    raw: bool = False,
) -> str:
    """One survey row; the comment is CSV-quoted unless raw (written exactly as given)."""
    return row(
        rid,
        customer,
        "relationship",
        "support",
        "email",
        at,
        nps,
        csat,
        ces,
        loyalty,
        comment if raw else quoted(comment),
    )


def lines(*rows: str, end: str = "\n") -> str:
    return "".join(r + end for r in rows)


def text_cases() -> dict[str, bytes]:
    """Name → bytes for every case that is plain text in some encoding."""
    c: dict[str, str | bytes] = {}
    c["utf8.csv"] = lines(
        SURVEY,
        survey("R1", comment="Hyvä palvelu, kiitos!"),
        survey("R2", "7", comment="Åsa från Vasa: bra"),
        survey("R3", "10", comment="日本語もOK 👍"),
    )
    c["utf8_bom.csv"] = "\ufeff" + lines(SURVEY, survey("R1"), survey("R2", "6"))
    c["cp1252.csv"] = lines(
        SURVEY,
        survey("R1", comment="Hyvä palvelu €"),
        survey("R2", "8", comment='Öljynvaihto nopea, "kiitos" – hinta 49 €'),
    ).encode("cp1252")
    # Excel's "Unicode text": UTF-16 LE with BOM, tab-delimited, CRLF.
    c["utf16_bom.txt"] = lines(
        SURVEY.replace(",", "\t"),
        survey("R1", comment="Hyvä palvelu €").replace(",", "\t"),
        survey("R2", "4", comment="Jonotin 40 min").replace(",", "\t"),
        end="\r\n",
    ).encode("utf-16")
    c["mixed_delimiters.csv"] = lines(
        SURVEY,
        survey("R1"),
        survey("R2").replace(",", ";"),
        survey("R3", "8"),
        survey("R4", "3", comment="huono ja hidas").replace(",", ";"),
        survey("R5", "11"),
    )
    c["missing_column.csv"] = lines(
        SURVEY.replace("nps_score", "recommend"), survey("R1"), survey("R2")
    )
    c["missing_columns_many.csv"] = lines("respondent,answered,nps,csat_score", "R1,2025-04-03,9,5")
    # Only the id, the time and a score: an anonymous survey without survey / touchpoint / channel.
    c["minimal_columns.csv"] = lines("response_id,responded_at,nps", "R1,2025-04-03,9")
    c["extra_columns.csv"] = lines(
        SURVEY + ",Vastaajan IP,internal_flag",
        survey("R1") + ",10.0.0.1,x",
        survey("R2", "3") + ",10.0.0.2,",
    )
    c["aliases_english.csv"] = lines(
        "ID,Customer ID,Survey,Touchpoint,Channel,Response date,NPS,CSAT,CES,Loyalty,Comment",
        survey("R1", "9"),
        survey("R2", "0"),
    )
    c["aliases_finnish.csv"] = lines(
        "Vastaustunnus;Asiakasnumero;Kysely;Kosketuspiste;Kanava;Vastaus pvm;"
        "Suositteluindeksi;Tyytyväisyys;Vaivattomuus;Uskollisuus;Kommentti;Kieli",
        "R1;C1;relationship;store;in_store;3.4.2025 14.22;10;5;1;5;Erinomainen;fi",
        "R2;C2;relationship;store;in_store;4.4.2025;6;3;4;3;Ihan ok;fi",
        end="\r\n",
    ).encode("cp1252")
    c["empty.csv"] = b""
    c["blank_lines_only.csv"] = "\n\n  \n"
    c["header_only.csv"] = lines(SURVEY)
    c["duplicated_header.csv"] = lines(SURVEY + ",nps_score", survey("R1") + ",9")
    c["duplicated_header_alias.csv"] = lines(SURVEY + ",NPS", survey("R1") + ",9")
    c["bad_scores.csv"] = lines(
        SURVEY,
        survey("R1", "-1"),
        survey("R2", "11"),
        survey("R3", "7.5"),
        survey("R4", "ten"),
        survey("R5", "99999999999"),
        survey("R6", " 9 "),
        survey("R7", "0", csat="0", loyalty="6"),
    )
    c["bad_dates.csv"] = lines(
        SURVEY,
        survey("R1", at="31.2.2025"),
        survey("R2", at="2025-13-01"),
        survey("R3", at="3.4.25"),
        survey("R4", at="eilen"),
        survey("R5", at=""),
        survey("R6", at="2025-04-03"),
    )
    c["finnish_dates.csv"] = lines(
        SURVEY,
        survey("R1", at="3.4.2025 14.22"),
        survey("R2", at="3.4.2025 14:22"),
        survey("R3", at="2025-04-03T14:22:00+03:00"),
        survey("R4", at="2025-04-03T14:22:00Z"),
        survey("R5", at="2025-04-03 14:22"),
        survey("R6", at="15.1.2025 9.05"),
        survey("R7", at="03.04.2025"),
    )
    c["truncated_last_line.csv"] = lines(SURVEY, survey("R1"), survey("R2", "8")) + survey(
        "R3", "7", comment='"Palvelu oli hyvä mutta', raw=True
    )
    c["multiline_and_blank_lines.csv"] = lines(
        SURVEY,
        survey("R1", comment='Rivi yksi\nrivi kaksi, "lainaus"'),
        "",
        survey("R2", "12"),
        survey("R3").replace(",", ";"),
        survey("R4", "13"),
    )
    c["crlf_padded.csv"] = lines(
        SURVEY,
        " R1 ,C1,relationship,support,email, 2025-04-03 , 9 ,5 , 2,5, hyvä ",
        survey("R2", "8"),
        end="\r\n",
    )
    c["invalid_encoding.csv"] = lines(SURVEY, survey("R1")).encode() + b"R2,\x81\x8d\x8f,\x90\n"
    c["prose.csv"] = (
        "Hei! Tässä viime kuun palautteet, kuten pyysit.\n"
        "Asiakkaat olivat pääosin tyytyväisiä, mutta jonot kassalla harmittivat monia.\n"
        "Terveisin, Maija\n"
    )
    c["long_comment.csv"] = lines(SURVEY, survey("R1", comment=LONG_COMMENT), survey("R2"))
    c["html_comment.csv"] = lines(
        SURVEY,
        survey("R1", comment='<script>alert("hei")</script>'),
        survey("R2", comment="<b>bold</b> &amp; <img src=x onerror=alert(1)>"),
    )
    c["nul_bytes.csv"] = lines(SURVEY, survey("R1", comment="ok\x00ok"), survey("R2"))
    c["duplicate_id_within.csv"] = lines(SURVEY, survey("R1", "9"), survey("R1", "3"))
    c["duplicate_id_across_1.csv"] = lines(SURVEY, survey("R1", "9"), survey("R2", "8"))
    c["duplicate_id_across_2.csv"] = lines(SURVEY, survey("R1", "2", comment="korjattu"))
    c["resent_original.csv"] = lines(SURVEY, survey("R1"))
    c["resent_copy.csv"] = lines(SURVEY, survey("R1"))
    c["ces_scale_unknown.csv"] = lines(
        SURVEY + ",ces_scale", survey("R1", ces="9") + ",0-10", survey("R2", ces="3") + ",1-7"
    )
    c["ces_scale_1_5.csv"] = lines(
        SURVEY + ",ces_scale",
        survey("R1", ces="6") + ",1-5",
        survey("R2", ces="5") + ",1-5",
        survey("R3", ces="6") + ",1-7",
        survey("R4", ces="7") + ",",
        survey("R5", ces="8") + ",",
    )
    c["no_score.csv"] = lines(
        SURVEY,
        survey("R1", "", csat="", ces="", loyalty="", comment="vain kommentti"),
        survey("R2", "", csat="4", ces="", loyalty=""),
    )
    c["driver_scores.csv"] = lines(
        SURVEY + ",driver_service,driver_price",
        survey("R1") + ",5,4",
        survey("R2") + ",6,3",
        survey("R3") + ",,2",
    )
    c["importance_scores.csv"] = lines(
        SURVEY + ",importance_service,importance_response_time,respondent_group",
        survey("R1") + ",5,4,",
        survey("R2") + ",0,3,potential",
        survey("R3") + ",,5,Former",
        survey("R4") + ",4,,asiakas",
    )
    # crm_orders
    c["finnish_excel_orders.csv"] = lines(
        "Tilausnumero;Asiakasnumero;Tilattu;Summa;Valuutta;Tila",
        "O1;C1;3.4.2025;1 234,50;EUR;completed",
        "O2;C2;3.4.2025 14.22;1\u00a0234,50;EUR;completed",
        "O3;C3;15.1.2025;-45,00;EUR;refunded",
        end="\r\n",
    ).encode("cp1252")
    c["amounts.csv"] = lines(
        ORDERS,
        'O1,C1,2025-04-03,"1 234,50",EUR,completed',
        'O2,C1,2025-04-03,"12,3,4",EUR,completed',
        'O3,C1,2025-04-03,"1,234.50",EUR,completed',
        "O4,C1,2025-04-03,1234.5,EUR,completed",
        "O5,C1,2025-04-03,abc,EUR,completed",
        'O6,C1,2025-04-03,"1.234,50",EUR,completed',
        "O7,C1,2025-04-03,123456789012345678901,EUR,completed",
    )
    c["empty_order_id.csv"] = lines(
        ORDERS,
        ",C1,2025-04-03,10,EUR,completed",
        "   ,C1,2025-04-03,10,EUR,completed",
        "O3,C1,2025-04-03,10,EUR,completed",
    )
    # crm_customers
    customers = lines(
        "Asiakasnumero;Nimi;Sähköposti;Puhelin;Kohderyhmä;Alue;Toimiala;Luotu",
        "C1;Oy Esimerkki Ab;info@esimerkki.fi;+358 40 123 4567;smb;Uusimaa;retail;1.2.2024",
        "C2;Matti Meikäläinen;matti@example.com;040 765 4321;consumer;Pirkanmaa;;2.2.2024",
        end="\r\n",
    ).encode("cp1252")
    c["customers.csv"] = customers
    c["customers_2025-06-30.csv"] = customers
    # churn_events, mystery_shopping, lost_deals
    c["churn.csv"] = lines(
        "customer_id,churned_at,reason_code,reason_text,competitor",
        "C1,2025-05-31,price,Liian kallis,Kilpailija Oy",
        "C2,eilen,service,,",
        ",2025-05-31,other,,",
    )
    c["mystery_shopping.csv"] = lines(
        "visit_id;visited_at;brand;location;channel;item;score;max_score;note",
        "V1;3.4.2025 10.00;Oma;Helsinki;store;greeting;4,5;5;Tervehdys heti",
        "V1;3.4.2025 10.00;Oma;Helsinki;store;upsell;n/a;5;",
        "V2;3.4.2025 11.00;;Espoo;store;greeting;3;5;brand puuttuu",
    )
    c["lost_deals.csv"] = lines(
        "deal_id,customer_id,lost_at,amount,stated_reason,real_reason,competitor",
        'D1,,2025-03-01,"12 000,00",price,relationship,Kilpailija Oy',
        "D2,C9,1.3.2025,,timing,,",
        "D3,C9,maaliskuussa,5000,price,,",
    )
    # targets: a metric the scores mart does not know, a target that is no number, a period
    # that is neither a quarter nor a year, a key written twice (lower/upper case), a scope
    # value missing, a share above 100; NPS in capitals, 2025-q3 and 72,5 are fine.
    c["targets.csv"] = lines(
        "metric,scope_type,scope_value,period,target,note,owner",
        "nps,all,,2025-Q2,30,Koko asiakaskunta,Maija",
        "NPS,touchpoint,support,2025-Q2,10,,",
        "loyalty,all,,2025,80,,",
        "csat,all,,2025-Q2,kahdeksankymmentä,,",
        "ces,all,,Q2/2025,60,,",
        "csat,segment,smb,2025,75,,",
        "CSAT,segment,SMB,2025,78,korjattu,",
        "nps,touchpoint,,2025-Q3,0,,",
        "csat,all,,2025-q3,150,,",
        'ces,all,,2025-q3,"72,5",,',
    )
    # Not inbox files at all: an office lock file, a partial download, an Excel lock file.
    c[".~lock.responses.csv#"] = ",maija,MAIJA-PC,03.04.2025 14:22,file:///C:/Users/maija;\n"
    c["responses.csv.part"] = SURVEY[:40]
    return {n: v.encode("utf-8") if isinstance(v, str) else v for n, v in c.items()}


def png_bytes() -> bytes:
    """A valid 1×1 PNG: a binary file some exporter saved under a .csv name."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    ihdr = struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0)
    idat = zlib.compress(b"\x00\xff\x00\x00", 9)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", idat) + chunk(b"IEND", b"")


def _fixed_zip(data: bytes) -> bytes:
    """The same zip with fixed timestamps (members in the same order): reproducible bytes."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as src, zipfile.ZipFile(out, "w") as dst:
        for info in src.infolist():
            body = src.read(info.filename)
            if info.filename == "docProps/core.xml":
                body = re.sub(rb"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", b"2025-04-03T00:00:00Z", body)
            fixed = zipfile.ZipInfo(info.filename, date_time=(2025, 4, 3, 0, 0, 0))
            fixed.compress_type = zipfile.ZIP_DEFLATED
            fixed.external_attr = 0o600 << 16
            dst.writestr(fixed, body)
    return out.getvalue()


def _workbook(sheets: dict[str, list[list[object]]], first_row: int = 1) -> bytes:
    """A workbook; the first sheet's rows start at Excel row first_row (rows above empty)."""
    import openpyxl

    wb = openpyxl.Workbook()
    wb.remove(wb.active)
    for n, (title, rows) in enumerate(sheets.items()):
        ws = wb.create_sheet(title)
        for r, values in enumerate(rows, start=first_row if n == 0 else 1):
            for col, value in enumerate(values, start=1):
                if value is not None:
                    ws.cell(row=r, column=col, value=value)
    buf = io.BytesIO()
    wb.save(buf)
    return _fixed_zip(buf.getvalue())


def xlsx_cases() -> dict[str, bytes]:
    import datetime as dt

    answers = [
        SURVEY_COLUMNS,
        [
            "R1",
            "C1",
            "relationship",
            "store",
            "in_store",
            dt.datetime(2025, 4, 3, 14, 22),
            9,
            5,
            2,
            5,
            "Hyvä palvelu €",
        ],
        ["R2", "C2", "relationship", "store", "in_store", "3.4.2025 14.22", 11, 4, 2, 4, "liian"],
        ["R3", "C3", "relationship", "web", "email", dt.date(2025, 4, 4), 7.5, 4.0, 2, 4, None],
        ["R4", "C4", "relationship", "web", "email", "2025-04-04", 8, 4, 2, 4, "ok"],
    ]
    other = [["Ohje", "Tämä välilehti ei ole dataa"], ["nps_score", "0-10"], ["x", "y"]]
    two_sheets = _workbook({"Vastaukset": answers, "Ohje": other}, first_row=3)
    dup = [SURVEY_COLUMNS + ["nps_score"], answers[1] + [9]]
    return {
        "two_sheets.xlsx": two_sheets,
        "broken.xlsx": two_sheets[: len(two_sheets) // 2],
        "empty_sheet.xlsx": _workbook({"Sheet1": []}),
        "duplicated_header.xlsx": _workbook({"Sheet1": dup}),
        "~$responses.xlsx": b"\x00" * 162,  # Excel's owner lock file
    }


def parquet_cases() -> dict[str, bytes]:
    import datetime as dt

    import pyarrow as pa
    import pyarrow.parquet as pq

    utc = dt.UTC
    table = pa.table(
        {
            "response_id": ["P1", "P2", "P3"],
            "customer_id": ["C1", None, "C3"],
            "survey": ["relationship"] * 3,
            "touchpoint": ["web"] * 3,
            "channel": ["web"] * 3,
            "responded_at": pa.array(
                [
                    dt.datetime(2025, 4, 3, 11, 22, tzinfo=utc),
                    dt.datetime(2025, 1, 15, 7, 5, tzinfo=utc),
                    dt.datetime(2025, 4, 3, 11, 22, tzinfo=utc),
                ],
                pa.timestamp("us", tz="UTC"),
            ),
            "nps_score": pa.array([9, None, 11], pa.int64()),
            "csat_score": pa.array([5, 4, 5], pa.int32()),
            "ces_score": pa.array([2, None, 2], pa.int8()),
            "loyalty_score": pa.array([5, 4, 5], pa.int64()),
            "comment": ["Parquet-vienti", None, "liian korkea"],
        }
    )
    buf = io.BytesIO()
    pq.write_table(table, buf, compression="zstd")
    return {
        "responses.parquet": buf.getvalue(),
        "not_parquet.parquet": lines(SURVEY, survey("R1")).encode(),
    }


def corpus() -> dict[str, bytes]:
    files = {**text_cases(), **xlsx_cases(), **parquet_cases(), "png_bytes.csv": png_bytes()}
    return dict(sorted(files.items()))


def write(target: Path = HERE) -> list[Path]:
    written = []
    for name, data in corpus().items():
        path = target / name
        path.write_bytes(data)
        written.append(path)
    return written


if __name__ == "__main__":
    out = Path(sys.argv[1]) if len(sys.argv) > 1 else HERE
    out.mkdir(parents=True, exist_ok=True)
    for p in write(out):
        print(f"{p.stat().st_size:>8}  {p.name}")
