"""Publication: the RMSV Art. 9 gate, third-party mode and supplier document imports."""
