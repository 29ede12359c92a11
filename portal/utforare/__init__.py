"""The utförare portal: care provider staff see the cases where the citizen chose their provider, write in
the utförare thread (``portal.messaging``) and publish the implementation plan (genomförandeplan)."""
