"""E-services: one module per e-service, each registered by id in ``registry``.

The form engine and the e-services themselves arrive with the e-services issue; a municipality enables
e-services by id (``Municipality.enabled_eservices``).
"""

from portal.registry import Registry

registry: Registry[type] = Registry("e-service")
