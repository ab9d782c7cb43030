"""xltool: plan -> workbooks for departments -> returns -> one checked, consolidated summary."""

__version__ = "0.1.0"
FORM_VERSION = "1"  # bumped when the return form's layout changes incompatibly
