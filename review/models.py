"""All review tables, imported so that the metadata (and Alembic) knows them.

Each sub-package keeps its own models; add an import here for every new one.
"""

from review.dossiers.models import (  # noqa: F401
    CriterionAnswer,
    CriterionEvaluation,
    DataRequest,
    Dossier,
    DossierState,
    DossierTransition,
    Evidence,
    InformationRequest,
)
from review.referential.models import Criterion, ReferentialVersion  # noqa: F401
from review.scoring.models import JourneyMeasurement  # noqa: F401
