"""The transport for live pages: publishing after commit, the process-local hub and the
socket base class. It knows streams (a channel-layer group, a version that grows by one per
committed change, and the reads that answer a resync) but nothing of shops, listings or
reservations: the domain apps describe their streams and hand them in.
"""
