"""Import of the staff and case exports (CSV) into the database.

``import_staff`` and ``import_cases`` read a whole file and check every row before writing
anything: a file with any problem raises ``ImportFailed`` listing every problem as
``FILE:ROW:COLUMN: message`` (ROW is the line in the file, the header being line 1), and the
database is left as it was. Neither function commits; the caller does (``session_scope``).

The file: CSV with a header row, UTF-8 with or without a byte order mark. Headings are matched
ignoring case and surrounding spaces; values have surrounding spaces removed; yes/no and the
other fixed values are accepted in any letter case and stored in lower case. Columns the import
does not use are ignored and listed in the result; blank lines are skipped. A file with a header
but no data rows is refused, since reading it would mark everyone missing.

Re-importing (the export is the source of truth for what it lists, never for deletion):

- Teams are created from the file, or moved to the service area the file gives them.
- A staff member or case is matched on ``staff_id`` / ``case_ref``: created if new, updated if
  any stored value differs, otherwise counted unchanged.
- One that is in the database but absent from a later file is never deleted. It is marked
  ``in_latest_export = False`` with ``missing_since`` = the import date (one already missing
  keeps its original date), counted in ``marked_missing``, and is not eligible for allocation.
  Its audits and history stay.
- When a later file lists it again it is restored (``in_latest_export = True``,
  ``missing_since`` cleared), counted in ``restored`` and also in ``updated``.
- Each successful import records an ImportRun (file name, SHA-256 of its bytes, counts and
  ignored columns) and a trail entry ``import.staff`` / ``import.cases`` with the counts.
"""

from importer.cases import import_cases
from importer.csvfile import ImportFailed, ImportResult, Problem
from importer.staff import import_staff

__all__ = ["ImportFailed", "ImportResult", "Problem", "import_cases", "import_staff"]
