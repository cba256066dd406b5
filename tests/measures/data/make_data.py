"""Writes the example spreadsheets in this folder (run once; the files are committed).

    .venv/bin/python tests/measures/data/make_data.py

The CSV files copy byte for byte what the programs write: Excel in a Swedish locale ("CSV
(semikolonavgränsad)" in Windows-1252, "CSV UTF-8" with a BOM; both use the list separator
``;``, a decimal comma and CRLF, and show thousands with a no-break space where the cell's
format groups them), and a Kolada-style row export. ``excel.xlsx`` is written with xlsxwriter
the way Excel stores a sheet (shared strings, real dates and numbers).

The LibreOffice files were made by LibreOffice itself (``libreoffice-calc-nogui`` 7.4) from
``excel.xlsx``:

    soffice --headless --convert-to xlsx --outdir /tmp/lo excel.xlsx   # -> libreoffice.xlsx
    soffice --headless --convert-to 'csv:Text - txt - csv (StarCalc):44,34,76,1' \\
        --outdir /tmp/lo excel.xlsx                                   # -> libreoffice.csv
    LANG=sv_SE.UTF-8 LC_ALL=sv_SE.UTF-8 soffice --headless \\
        --convert-to 'csv:Text - txt - csv (StarCalc):44,34,76,1' \\
        --outdir /tmp/lo-sv excel.xlsx                                # -> libreoffice_sv.csv

(comma-separated UTF-8, as LibreOffice offers by default; in the Swedish locale the decimal
comma makes it quote the numbers, "92,5").
"""

from datetime import date
from pathlib import Path

import xlsxwriter

HERE = Path(__file__).parent

EXCEL_SV_CP1252 = (
    "Vecka;Enhet;Mått;Värde;Kommentar\r\n"
    "2026-W37;Björkängsskolan;närvaro;92,5;Första veckan\r\n"
    '2026-W38;Björkängsskolan;närvaro;1\u00a0234,5;"Lärare sjuk; vikarie"\r\n'
    "2026-W39;Björkängsskolan;närvaro;-3;\r\n"
    ";;;;\r\n"
    'v40 2026;Björkängsskolan;närvaro;45 %;"Citat ""så"" här"\r\n'
)

EXCEL_SV_UTF8 = (
    "Datum;Skola;Indikator;Täljare;Nämnare;Kommentar\r\n"
    '2026-09-14;Ösby skola;trivsel;18;24;"Två rader:\nandra raden"\r\n'
    "2026-09-21;Ösby skola;trivsel;20;24;\r\n"
    "2026-09-28;Åsens förskola;trivsel;7;9;Ärlig återkoppling – bra\r\n"
)

KOLADA = (
    "kpi,municipality,period,gender,value\n"
    "N15419,0180,2023,T,45.5\n"
    "N15419,0180,2023,K,47.1\n"
    "N15419,0180,2023,M,43.9\n"
    "N15419,1280,2023,T,51.25\n"
    "N15419,1280,2023,K,52\n"
    "N15419,1280,2023,M,50.5\n"
)


def write_excel_xlsx(path: Path) -> None:
    workbook = xlsxwriter.Workbook(path)
    sheet = workbook.add_worksheet("Blad1")
    day = workbook.add_format({"num_format": "yyyy-mm-dd"})
    percent = workbook.add_format({"num_format": "0.0"})
    for column, name in enumerate(["Datum", "Enhet", "Mått-ID", "Värde", "Kommentar"]):
        sheet.write_string(0, column, name)
    rows = [
        (date(2026, 9, 14), "S-0101", "M-7", 92.5, "Första veckan"),
        (date(2026, 9, 21), "S-0101", "M-7", 1234.5, "Lärare sjuk; vikarie"),
        (date(2026, 9, 28), "S-0101", "M-7", -3, None),
        (date(2026, 10, 5), "S-0101", "M-7", 0.1, 'Citat "så" här\nandra raden'),
    ]
    for index, (when, unit, measure, value, comment) in enumerate(rows, start=1):
        sheet.write_datetime(index, 0, when, day)
        sheet.write_string(index, 1, unit)
        sheet.write_string(index, 2, measure)
        sheet.write_number(index, 3, value, percent)
        if comment is not None:
            sheet.write_string(index, 4, comment)
    workbook.add_worksheet("Ignored").write_string(0, 0, "not read")
    workbook.close()


def main() -> None:
    (HERE / "excel_sv_cp1252.csv").write_bytes(EXCEL_SV_CP1252.encode("cp1252"))
    (HERE / "excel_sv_utf8_bom.csv").write_bytes(b"\xef\xbb\xbf" + EXCEL_SV_UTF8.encode())
    (HERE / "kolada.csv").write_bytes(KOLADA.encode())
    write_excel_xlsx(HERE / "excel.xlsx")


if __name__ == "__main__":
    main()
