"""What the first sheet of an .xlsx really holds, measured before the workbook reader runs.

The reader (calamine) turns a sheet into one dense block of cells from the first row and
column to the last cell holding a value, and copies a shared string into every cell that
refers to it. A file of a few kilobytes can therefore ask for hundreds of gigabytes: one
value at ``XFD1048576``, a shared-strings table that declares four billion strings, one long
string repeated in every cell. None of this shows in the archive's sizes, so the parts the
reader will use are streamed here first, with an XML parser that refuses document type
declarations (no entity expansion, no external entities) and keeps only counters, and the
caller compares the measures with its limits.

The positions follow the reader's rules: a cell's ``r`` reference when it has one, else the
row's ``r`` or the count of rows before it, and the count of cells before it in its row.
The measure is an upper bound: the running position assumed for a cell without a reference
is never smaller than the one the reader will use.
"""

from __future__ import annotations

import contextlib
import re
import zipfile
import zlib
from array import array
from dataclasses import dataclass, field
from xml.parsers import expat

__all__ = [
    "DamagedPart",
    "SheetExtent",
    "measure_first_ods_table",
    "measure_first_sheet",
    "reference",
]

_CHUNK = 1 << 16
MAX_MARKUP = 1_500_000
"""The most tags (``<`` characters) one part may hold: four per cell of the largest accepted sheet
(``<c><v></v></c>``) with room to spare. Parsing costs CPU per tag, so a part of millions of tiny
elements is refused by this count before the parser or the reader spend seconds on it."""
_CELL_REFERENCE = re.compile(r"([A-Za-z]+)([0-9]+)")
_ROW_REFERENCE = re.compile(r"[A-Za-z]*([0-9]+)")


class DamagedPart(ValueError):
    """A part of the workbook that is not the XML a spreadsheet program writes; the message
    names the part and what is wrong, in our words."""


@dataclass
class SheetExtent:
    """Upper bounds for what reading the first sheet produces.

    ``rows`` and ``columns`` count from the sheet's first row and column to the furthest
    cell holding a value (``last`` is that cell's reference, such as ``XFD1048576``);
    ``declared`` is the sheet's own ``<dimension>`` when it has one. ``text`` counts the
    characters of every cell's text, a shared string once per cell that uses it.
    ``shared_strings`` is the largest of the shared-strings table's real and declared counts.
    """

    rows: int = 0
    columns: int = 0
    declared: str | None = None
    declared_rows: int = 0
    declared_columns: int = 0
    text: int = 0
    shared_strings: int = 0
    merged: int = 0
    cells: int = 0
    parts: list[str] = field(default_factory=list)

    @property
    def last(self) -> str:
        return reference(self.rows, self.columns)


def reference(rows: int, columns: int) -> str:
    """The reference of the cell in row ``rows``, column ``columns`` (1-based): ``XFD1048576``."""
    letters = ""
    column = max(columns, 1)
    while column:
        column, rest = divmod(column - 1, 26)
        letters = chr(ord("A") + rest) + letters
    return f"{letters}{max(rows, 1)}"


def _column_number(letters: str) -> int:
    number = 0
    for letter in letters.upper():
        number = number * 26 + ord(letter) - ord("A") + 1
    return number


def _local(name: str) -> str:
    return name.rpartition(":")[2]


def _parser(part: str) -> expat.XMLParserType:
    parser = expat.ParserCreate()
    parser.SetParamEntityParsing(expat.XML_PARAM_ENTITY_PARSING_NEVER)

    def refuse_declaration(*_: object) -> None:
        raise DamagedPart(
            f"The workbook's part {part} declares its own document type or entities, which "
            "no spreadsheet program writes; it is refused."
        )

    parser.StartDoctypeDeclHandler = refuse_declaration
    parser.EntityDeclHandler = refuse_declaration
    return parser


def _stream(archive: zipfile.ZipFile, entry: zipfile.ZipInfo, parser: expat.XMLParserType) -> None:
    """Feed a part to ``parser`` in chunks, so memory stays bounded whatever its size."""
    try:
        with archive.open(entry) as part:
            markup = 0
            while chunk := part.read(_CHUNK):
                markup += chunk.count(b"<")
                if markup > MAX_MARKUP:
                    raise DamagedPart(
                        f"The workbook's part {entry.filename} holds more than {MAX_MARKUP:,} "
                        "XML elements, far more than the largest sheet that is read; it is refused."
                    )
                parser.Parse(chunk, False)
            parser.Parse(b"", True)
    except expat.ExpatError as error:
        raise DamagedPart(
            f"The workbook's part {entry.filename} is damaged: it is not well-formed XML (line "
            f"{error.lineno:,}, column {error.offset + 1:,})."
        ) from None
    except DamagedPart:
        raise
    except (zipfile.BadZipFile, zlib.error, OSError, EOFError, ValueError):
        raise DamagedPart(f"The workbook's part {entry.filename} is damaged.") from None


def _entries(archive: zipfile.ZipFile, path: str) -> list[zipfile.ZipInfo]:
    """The entries the reader may open for ``path``: it compares names without case."""
    wanted = path.casefold()
    return [entry for entry in archive.infolist() if entry.filename.casefold() == wanted]


def _count(value: str | None) -> int:
    if value is None:
        return 0
    value = value.strip()
    return int(value) if value.isdigit() and len(value) < 30 else 0


class _SharedScan:
    """Each shared string's length, twice: by its position in the table, and by its position
    among the non-empty ones (the reader leaves empty strings out of its list)."""

    def __init__(self, extent: SheetExtent) -> None:
        self.extent = extent
        self.every: array[int] = array("q")
        self.filled: array[int] = array("q")
        self.in_item = False
        self.phonetic = 0
        self.in_text = 0
        self.length = 0

    def start(self, name: str, attributes: dict[str, str]) -> None:
        local = _local(name)
        if local == "sst":
            declared = max(_count(attributes.get("count")), _count(attributes.get("uniqueCount")))
            self.extent.shared_strings = max(self.extent.shared_strings, declared)
        elif local == "si":
            self.in_item, self.length, self.phonetic, self.in_text = True, 0, 0, 0
        elif local == "rPh":
            self.phonetic += 1
        elif local == "t" and self.in_item and not self.phonetic:
            self.in_text += 1

    def end(self, name: str) -> None:
        local = _local(name)
        if local == "si" and self.in_item:
            self.every.append(self.length)
            if self.length:
                self.filled.append(self.length)
            self.in_item = False
        elif local == "rPh" and self.phonetic:
            self.phonetic -= 1
        elif local == "t" and self.in_text:
            self.in_text -= 1

    def text(self, data: str) -> None:
        if self.in_text and not self.phonetic:
            self.length += len(data)


def _shared_string_lengths(
    archive: zipfile.ZipFile, extent: SheetExtent
) -> tuple[array[int], array[int]]:
    scan = _SharedScan(extent)
    for entry in _entries(archive, "xl/sharedStrings.xml"):
        parser = _parser(entry.filename)
        parser.StartElementHandler = scan.start
        parser.EndElementHandler = scan.end
        parser.CharacterDataHandler = scan.text
        _stream(archive, entry, parser)
        extent.parts.append(entry.filename)
    extent.shared_strings = max(extent.shared_strings, len(scan.every))
    return scan.every, scan.filled


def _first_sheet_paths(archive: zipfile.ZipFile) -> list[str]:
    """The paths the reader may take for the first sheet: the target of the first
    ``<sheet>``'s relationship, read as the reader reads it and as the standard says."""
    relationship: list[str] = []
    for entry in _entries(archive, "xl/workbook.xml"):
        parser = _parser(entry.filename)

        def sheet(name: str, attributes: dict[str, str]) -> None:
            if _local(name) == "sheet" and not relationship:
                found = attributes.get("r:id") or attributes.get("relationships:id")
                if found is None:
                    found = next((v for k, v in attributes.items() if k.endswith(":id")), "")
                relationship.append(found)

        parser.StartElementHandler = sheet
        _stream(archive, entry, parser)
        break
    if not relationship:
        return []
    targets: list[str] = []
    for entry in _entries(archive, "xl/_rels/workbook.xml.rels"):
        parser = _parser(entry.filename)

        def target(name: str, attributes: dict[str, str]) -> None:
            if _local(name) == "Relationship" and attributes.get("Id") == relationship[0]:
                targets.append(attributes.get("Target", ""))

        parser.StartElementHandler = target
        _stream(archive, entry, parser)
    paths = []
    for found in targets:
        if found.startswith("/xl/"):
            paths.append(found[1:])
        elif found.startswith("xl/"):
            paths.append(found)
        else:
            paths.append("xl/" + found)
        paths.append(found.lstrip("/"))
        paths.append("xl/" + found.lstrip("/"))
    return list(dict.fromkeys(paths))


def measure_first_sheet(archive: zipfile.ZipFile) -> SheetExtent:
    """Measure the first sheet of ``archive`` (an .xlsx whose entries were already checked
    against their declared sizes) and its shared strings, streaming each part once."""
    extent = SheetExtent()
    lengths, filled = _shared_string_lengths(archive, extent)
    for path in _first_sheet_paths(archive):
        for entry in _entries(archive, path):
            _measure_sheet(archive, entry, extent, lengths, filled)
            extent.parts.append(entry.filename)
    return extent


class _SheetScan:
    """The counters of one sheet part while it streams by."""

    def __init__(
        self, part: str, extent: SheetExtent, lengths: array[int], filled: array[int]
    ) -> None:
        self.part, self.extent, self.lengths, self.filled = part, extent, lengths, filled
        self.in_data = False
        # The running position, 0-based; never below the reader's (see the module's docstring).
        self.row = 0
        self.column = 0
        self.in_cell = False
        self.valued = False
        self.shared = False
        self.in_value = False
        self.index: list[str] = []
        self.positions: list[tuple[int, int]] = []

    def damaged(self, what: str) -> DamagedPart:
        return DamagedPart(f"The workbook's part {self.part} has {what}.")

    def start(self, name: str, attributes: dict[str, str]) -> None:
        local = _local(name)
        if self.in_cell:
            self.valued = True
            if local == "v" and self.shared:
                self.in_value = True
                self.index.clear()
        elif local == "dimension" and not self.in_data:
            self._dimension(attributes.get("ref", ""))
        elif local == "sheetData":
            self.in_data = True
        elif local == "mergeCell":
            self.extent.merged += 1
        elif self.in_data and local == "row":
            given = attributes.get("r")
            if given is not None:
                m = _ROW_REFERENCE.fullmatch(given.strip())
                if m is None or int(m[1]) == 0:
                    raise self.damaged(f"a row numbered '{given[:40]}'")
                self.row = max(self.row, int(m[1]) - 1)
        elif self.in_data and local == "c":
            self.in_cell, self.valued = True, False
            self.shared = attributes.get("t") == "s"
            self.positions = [(self.row, self.column)]
            given = attributes.get("r")
            if given is not None:
                m = _CELL_REFERENCE.fullmatch(given.strip())
                if m is None or int(m[2]) == 0:
                    raise self.damaged(f"a cell reference '{given[:40]}' that names no cell")
                column = _column_number(m[1]) - 1
                self.positions.append((int(m[2]) - 1, column))
                self.column = max(self.column, column)

    def _dimension(self, declared: str) -> None:
        self.extent.declared = declared
        for corner in declared.split(":")[:2]:
            m = _CELL_REFERENCE.fullmatch(corner.strip())
            if m is None:
                raise self.damaged(f"a dimension '{declared[:40]}' that is not a cell range")
            self.extent.declared_rows = max(self.extent.declared_rows, int(m[2]))
            self.extent.declared_columns = max(self.extent.declared_columns, _column_number(m[1]))

    def end(self, name: str) -> None:
        local = _local(name)
        if self.in_cell:
            if local == "v":
                self.in_value = False
            if local == "c":
                self.in_cell = False
                self._cell()
                self.column += 1
        elif local == "row" and self.in_data:
            self.row += 1
            self.column = 0
        elif local == "sheetData":
            self.in_data = False

    def _cell(self) -> None:
        if not self.valued:
            return  # the reader keeps only cells holding a value
        extent = self.extent
        for row, column in self.positions:
            extent.rows = max(extent.rows, row + 1)
            extent.columns = max(extent.columns, column + 1)
        extent.cells += 1
        if self.shared:
            extent.text += _shared_length("".join(self.index), self.lengths, self.filled)

    def text(self, data: str) -> None:
        if self.in_value:
            self.index.append(data)
        elif self.in_cell:
            self.extent.text += len(data)


def _measure_sheet(
    archive: zipfile.ZipFile,
    entry: zipfile.ZipInfo,
    extent: SheetExtent,
    lengths: array[int],
    filled: array[int],
) -> None:
    scan = _SheetScan(entry.filename, extent, lengths, filled)
    parser = _parser(entry.filename)
    parser.StartElementHandler = scan.start
    parser.EndElementHandler = scan.end
    parser.CharacterDataHandler = scan.text
    _stream(archive, entry, parser)


def _shared_length(index: str, lengths: array[int], filled: array[int]) -> int:
    index = index.strip()
    if not index.isdigit() or len(index) > 12:
        return 0
    position = int(index)
    return max(
        lengths[position] if position < len(lengths) else 0,
        filled[position] if position < len(filled) else 0,
    )


# --- OpenDocument ---------------------------------------------------------------------------

_TABLE_NS = "urn:oasis:names:tc:opendocument:xmlns:table:1.0"
_OFFICE_NS = "urn:oasis:names:tc:opendocument:xmlns:office:1.0"
#: Repeats a spreadsheet program writes at most: LibreOffice's sheet is 16,384 columns by
#: 1,048,576 rows, and it fills the rest of a sheet with one repeated empty row.
MAX_DECLARED_COLUMNS = 16_384
MAX_DECLARED_ROWS = 1_048_576


def measure_first_ods_table(archive: zipfile.ZipFile) -> SheetExtent:
    """What the first table of an .ods holds, from ``content.xml``, before the reader runs.

    A row or cell there stands for as many as its ``table:number-rows-repeated`` or
    ``table:number-columns-repeated`` declares, and the reader expands them: one valued cell
    repeated 16,384 times in a row repeated a million times asks for 17 billion cells. So the
    extent counts every repeat: a cell holding a value reaches as far as its last repeat, its
    text counts once per repeat, and the declared repeats themselves, empty or not, are
    bounded by the largest sheet a spreadsheet program makes."""
    entries = _entries(archive, "content.xml")
    if not entries:
        raise DamagedPart("The spreadsheet has no content.xml; it is damaged.")
    scan = _OdsScan()
    parser = expat.ParserCreate(namespace_separator=" ")
    parser.SetParamEntityParsing(expat.XML_PARAM_ENTITY_PARSING_NEVER)

    def refuse_declaration(*_: object) -> None:
        raise DamagedPart(
            "The spreadsheet's content.xml declares its own document type or entities, which "
            "no spreadsheet program writes; it is refused."
        )

    parser.StartDoctypeDeclHandler = refuse_declaration
    parser.EntityDeclHandler = refuse_declaration
    parser.StartElementHandler = scan.start
    parser.EndElementHandler = scan.end
    parser.CharacterDataHandler = scan.text
    with contextlib.suppress(_FirstTableRead):
        _stream(archive, entries[0], parser)
    return scan.extent


class _FirstTableRead(Exception):
    """The first table is measured; the rest of the document is not needed."""


class _OdsScan:
    def __init__(self) -> None:
        self.extent = SheetExtent()
        self.depth = 0  # inside the first table: > 0
        self.row = 0  # rows before the current one (each repeat counted)
        self.row_repeat = 1
        self.column = 0
        self.cell_repeat = 1
        self.cell_valued = False
        self.cell_text = 0
        self.in_cell = False
        self.declared_rows = 0

    def start(self, name: str, attributes: dict[str, str]) -> None:
        namespace, _, local = name.rpartition(" ")
        if namespace != _TABLE_NS:
            if self.in_cell and local == "p":
                self.cell_valued = True
            return
        if local == "table":
            self.depth += 1
            return
        if not self.depth:
            return
        if local == "table-row":
            self.row_repeat = max(1, _count(attributes.get(f"{_TABLE_NS} number-rows-repeated")))
            self.declared_rows += self.row_repeat
            if self.declared_rows > MAX_DECLARED_ROWS:
                self._declared(self.declared_rows, 0)
            self.column = 0
        elif local in ("table-cell", "covered-table-cell"):
            self.cell_repeat = max(
                1, _count(attributes.get(f"{_TABLE_NS} number-columns-repeated"))
            )
            if self.column + self.cell_repeat > MAX_DECLARED_COLUMNS:
                self._declared(0, self.column + self.cell_repeat)
            self.in_cell = True
            self.cell_valued = f"{_OFFICE_NS} value-type" in attributes
            self.cell_text = 0

    def text(self, data: str) -> None:
        if self.in_cell:
            self.cell_text += len(data)

    def end(self, name: str) -> None:
        namespace, _, local = name.rpartition(" ")
        if namespace != _TABLE_NS or not self.depth:
            return
        if local == "table":
            raise _FirstTableRead
        if local in ("table-cell", "covered-table-cell"):
            self.in_cell = False
            if self.cell_valued or self.cell_text:
                extent = self.extent
                extent.columns = max(extent.columns, self.column + self.cell_repeat)
                extent.rows = max(extent.rows, self.row + self.row_repeat)
                extent.cells += self.cell_repeat * self.row_repeat
                extent.text += self.cell_text * self.cell_repeat * self.row_repeat
            self.column += self.cell_repeat
        elif local == "table-row":
            self.row += self.row_repeat

    def _declared(self, rows: int, columns: int) -> None:
        self.extent.declared_rows = max(self.extent.declared_rows, rows)
        self.extent.declared_columns = max(self.extent.declared_columns, columns)
        self.extent.declared = "repeated rows or columns"
        raise _FirstTableRead
