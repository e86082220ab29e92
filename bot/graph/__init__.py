"""Platform graph: links the objects that belong together, so rules can ask about relations."""

from bot.graph.platform import NodePool, PlatformGraph, Workload, build_graph

__all__ = ["NodePool", "PlatformGraph", "Workload", "build_graph"]
