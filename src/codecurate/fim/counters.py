"""The counts the objectives stage keeps, by name (the run summary reads them for its objective
shares): ``objective/<group>/<objective>`` (a group is a code file's language, or ``article``),
``sfim_eligible/<language>`` (code files that can serve SFIM) and ``sfim_fallback/<reason>`` (code
files that cannot)."""

OBJECTIVE_COUNTER = "objective/"
ELIGIBLE_COUNTER = "sfim_eligible/"
FALLBACK_COUNTER = "sfim_fallback/"
ARTICLE_GROUP = "article"
