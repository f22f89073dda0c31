"""Training objectives: SFIM and FIM span mining, PSM/SPM formatting, the objective mixer."""
