"""Message ids that templates translate from data (roles, job states).

Babel cannot see a string built at run time; listing them here with the ``N_`` marker puts
them in the catalogue.
"""

from asocia.i18n import N_

ROLES = (N_("admin"), N_("analyst"), N_("field"), N_("coop"))
JOB_STATES = (N_("queued"), N_("running"), N_("done"), N_("failed"))
