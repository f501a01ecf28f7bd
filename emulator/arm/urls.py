"""ARM URL table: every emulated Resource Manager operation, one table per resource provider.

Order matters only where patterns overlap: role assignments live at any scope, so
Microsoft.Authorization comes before the providers whose resources are scopes.
"""

from emulator.arm import lro
from emulator.authorization import handlers as authorization
from emulator.cognitiveservices import routes as cognitiveservices
from emulator.resources import routes as resources

ROUTES = [*authorization.ROUTES, *lro.ROUTES, *resources.ROUTES, *cognitiveservices.ROUTES]
