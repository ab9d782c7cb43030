"""xltool: plan -> workbooks for departments -> returns -> one checked, consolidated summary."""

__version__ = "0.1.0"
FORM_VERSION = "2"  # bumped when the return form's layout changes: 2 added 三、量化目标
