"""Case-system adapters: one module per adapter behind one interface, chosen per e-service by
configuration (``Municipality.adapters``). The interface and the adapters arrive with the integration
issue; ``registry`` is where each registers by id.
"""

from portal.registry import Registry

registry: Registry[type] = Registry("adapter")
