"""A Microsoft Graph subset: the directory lookups the Azure CLI and IaC tools make for principals.

Served under ``{emulator}/graph/v1.0/`` (the cloud metadata advertises ``{emulator}/graph/`` as
``microsoftGraphResourceId``, so clients both call it and ask Entra for tokens with it as the
audience). Read-only: service principals, applications, directory objects by id, and (empty)
users and groups; anything else answers in Graph's error shape.
"""
