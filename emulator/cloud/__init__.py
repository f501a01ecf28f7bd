"""Cloud discovery: the ``/metadata/endpoints`` document that ``az cloud register`` and the SDKs
read to find this cloud's login, Resource Manager and Microsoft Graph endpoints."""
