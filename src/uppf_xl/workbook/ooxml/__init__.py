"""The workbook file at the package (zip) level, for the safe writer (`workbook.package`).

- `parts`: the package model: parts in their order, relationships, content types;
- `styles`: the styles the tool uses, appended to xl/styles.xml;
- `cells`: sheet XML: cell values, references, rows and cells of a worksheet;
- `user`: what a user added to a tool sheet that survives its rewrite;
- `charts`: the tool's charts;
- `builder`: applying `Changes` to a copy of the package (`build`);
- `guard`: the guard against losing anything the user owns, and the check of the written file (`verify`).
"""
