"""The syntax stage (``filter``) and what it judges with: the per-language policy (``policy``), the
C/C++ preprocessor-aware structure check (``c_structure``, ``c_macros``), the bracket and string
structure of C#, Swift, Kotlin and PowerShell (``block_structure``), CPython's nesting limits
(``python_limits``) and JSON with comments (``jsonc``)."""
