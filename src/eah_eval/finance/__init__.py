"""High Needs Block modelling.

EHC plan and high-needs spend projections with and without the programme, carrying the impact
evaluation's uncertainty into the money.
"""
