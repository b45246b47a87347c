"""All review tables, imported so that the metadata (and Alembic) knows them.

Each sub-package keeps its own models; add an import here for every new one.
"""

from review.commission import models as commission_models  # noqa: F401
from review.decisions import models as decisions_models  # noqa: F401
from review.dossiers.models import Dossier, DossierState, DossierTransition  # noqa: F401
from review.referential import models as referential_models  # noqa: F401
from review.scoring import models as scoring_models  # noqa: F401
from review.sovereignty.models import (  # noqa: F401
    Country,
    DeletionOrder,
    Membership,
    SovereigntyCase,
)
from review.surveillance.models import (  # noqa: F401
    Audit,
    ChangeDeclaration,
    Complaint,
    ComplaintAttachment,
    RenewalNotice,
    RenewalRequest,
    Sanction,
)
