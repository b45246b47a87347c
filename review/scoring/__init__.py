"""Scores per area, the environment score and the computed écoscore."""
