"""Small spreadsheets with hostile structure: what they declare differs from what they hold.

Each is a few kilobytes at most and would make a reader that trusts it allocate far more
(the issue 13 workbook asks for 512 GiB). Used by the upload tests and the contract fuzzing.
"""

import base64
import io
import random
import warnings
import zipfile

_CONTENT_TYPES = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" '
    'ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    '<Default Extension="xml" ContentType="application/xml"/>'
    '<Override PartName="/xl/workbook.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
    '<Override PartName="/xl/worksheets/sheet1.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
    "</Types>"
)
_ROOT_RELS = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" '
    'Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" '
    'Target="xl/workbook.xml"/></Relationships>'
)
_WORKBOOK = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
    'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
    '<sheets><sheet name="Blad1" sheetId="1" r:id="rId1"/></sheets></workbook>'
)
_WORKBOOK_RELS = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" '
    'Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" '
    'Target="{target}"/>'
    '<Relationship Id="rId2" '
    'Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/sharedStrings" '
    'Target="sharedStrings.xml"/></Relationships>'
)
_NS = 'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"'


def inline(ref: str, text: str) -> str:
    """A cell holding ``text`` as an inline string."""
    return f'<c r="{ref}" t="inlineStr"><is><t>{text}</t></is></c>'


def number(ref: str, value: str) -> str:
    return f'<c r="{ref}"><v>{value}</v></c>'


HEADER = f'<row r="1">{inline("A1", "period")}{inline("B1", "value")}</row>'
ROW = f'<row r="2">{inline("A2", "2026-W37")}{number("B2", "5")}</row>'


def workbook(
    sheet_data: str,
    *,
    dimension: str | None = None,
    shared_strings: str | None = None,
    after_data: str = "",
    prolog: str = "",
    target: str = "worksheets/sheet1.xml",
) -> bytes:
    """An .xlsx whose first sheet holds ``sheet_data`` (the rows, without ``<sheetData>``)."""
    dim = f'<dimension ref="{dimension}"/>' if dimension else ""
    sheet = (
        f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>{prolog}'
        f"<worksheet {_NS}>{dim}<sheetData>{sheet_data}</sheetData>{after_data}</worksheet>"
    )
    output = io.BytesIO()
    with zipfile.ZipFile(output, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", _CONTENT_TYPES)
        archive.writestr("_rels/.rels", _ROOT_RELS)
        archive.writestr("xl/workbook.xml", _WORKBOOK)
        archive.writestr("xl/_rels/workbook.xml.rels", _WORKBOOK_RELS.format(target=target))
        archive.writestr("xl/" + target.removeprefix("/xl/"), sheet)
        if shared_strings is not None:
            archive.writestr("xl/sharedStrings.xml", shared_strings)
    return output.getvalue()


def shared(*strings: str, unique_count: int | None = None) -> str:
    count = len(strings) if unique_count is None else unique_count
    items = "".join(f"<si><t>{text}</t></si>" for text in strings)
    return (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
        f'<sst {_NS} count="{count}" uniqueCount="{count}">{items}</sst>'
    )


def far_corner() -> bytes:
    """The issue's workbook: ``period;value``, one row, and a single cell at XFD1048576."""
    return workbook(
        HEADER + ROW + f'<row r="1048576">{number("XFD1048576", "1")}</row>',
        dimension="A1:XFD1048576",
    )


def with_extra_part(body: bytes, name: str, content: str) -> bytes:
    """``body`` with one more part appended, even under a name the archive already holds."""
    output = io.BytesIO(body)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # zipfile warns of a duplicate name: that is the point
        with zipfile.ZipFile(output, "a", zipfile.ZIP_DEFLATED) as archive:
            archive.writestr(name, content)
    return output.getvalue()


def _far_workbook_part() -> str:
    """A second workbook part whose only sheet is the far-corner one."""
    return _WORKBOOK.replace('r:id="rId1"', 'r:id="rId9"')


def element_flood(elements: int = 2_000_000) -> bytes:
    """A sheet of a few hundred kilobytes holding millions of empty elements: cheap to send,
    seconds of parsing. Random text in a comment keeps its compression ratio believable."""
    noise = base64.b64encode(random.Random(13).randbytes(elements // 30)).decode()
    return workbook(HEADER + ROW, after_data=f"<!-- {noise} -->" + "<x/>" * elements)


def hostile_workbooks() -> dict[str, bytes]:
    """Workbooks whose declared or real extent is far beyond what is read, by name."""
    big = "x" * 30_000
    return {
        "far_corner": far_corner(),
        "far_corner_without_dimension": workbook(
            HEADER + ROW + f'<row r="1048576">{number("XFD1048576", "1")}</row>'
        ),
        # No cell names its place: the row's number and the count of cells decide it.
        "far_row_by_row_number": workbook(
            HEADER + ROW + '<row r="1048576"><c><v>1</v></c><c><v>2</v></c></row>'
        ),
        "wide_row_without_references": workbook(
            HEADER + ROW + "<row>" + "<c><v>1</v></c>" * 20_000 + "</row>"
        ),
        "declared_dimension_only": workbook(HEADER + ROW, dimension="A1:XFD1048576"),
        "lowercase_reference": workbook(
            HEADER + ROW + f'<row r="900000">{number("xfd900000", "1")}</row>'
        ),
        "reference_beyond_excel": workbook(
            HEADER + ROW + f'<row r="3">{number("AAAAAAA99999999999", "1")}</row>'
        ),
        # One 30,000-character string, repeated by reference in every cell of a wide sheet.
        "shared_string_amplified": workbook(
            HEADER
            + ROW
            + "".join(
                f'<row r="{row}">'
                + "".join(f'<c r="{col}{row}" t="s"><v>0</v></c>' for col in ("C", "D", "E", "F"))
                + "</row>"
                for row in range(3, 503)
            ),
            shared_strings=shared(big),
        ),
        "shared_strings_declared_huge": workbook(
            HEADER + ROW, shared_strings=shared("a", unique_count=4_000_000_000)
        ),
        "merged_cells_far": workbook(
            HEADER + ROW,
            after_data='<mergeCells count="1"><mergeCell ref="A3:XFD1048576"/></mergeCells>',
        ),
        # Two parts of one name (or of names equal but for case): a check that reads the first
        # while the reader opens the other would measure a harmless sheet.
        "duplicate_workbook_part": with_extra_part(
            far_corner(), "xl/workbook.xml", _far_workbook_part()
        ),
        "case_variant_workbook_part": with_extra_part(
            far_corner(), "XL/Workbook.xml", _far_workbook_part()
        ),
        "element_flood": element_flood(),
        "entity_expansion": workbook(
            HEADER + ROW,
            prolog='<!DOCTYPE worksheet [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;">]>',
        ),
    }


def hostile_csv_files() -> dict[str, bytes]:
    """CSV files whose structure a lenient reader would misread, by name."""
    return {
        "unterminated_quote": (b'period;value;comment\r\n2026-W37;5;"oops\r\n2026-W38;6;fine\r\n'),
        "quote_closed_mid_cell": b'period;value;comment\r\n2026-W37;5;"a"b\r\n',
        "huge_field": b"period;value;comment\r\n2026-W37;5;" + b"x" * 200_000 + b"\r\n",
        "very_wide_row": b"period;value\r\n2026-W37;5" + b";x" * 50_000 + b"\r\n",
    }
