"""The macro workbook's text sources: the VBA module and the ribbon (packaged as uppf_xl.macros)."""
