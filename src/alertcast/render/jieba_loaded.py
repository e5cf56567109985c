"""jieba's dictionary, loaded when this module is imported.

Material's search plugin segments Chinese text with jieba in every language's build (our
dictionary of the domain's words is loaded into each), and loading jieba's own dictionary costs
a build about 0.6 s of CPU. The fork server of the site's workers imports this module
(`WORKER_PRELOAD` in render/site_engine.py), so the dictionary is loaded once, while the build's
process loads the content, and every worker forked from the server starts with it.
"""

from __future__ import annotations

from .mkdocs_engine import quiet_jieba

quiet_jieba()
try:
    import jieba
except ImportError:  # no Chinese segmentation: Material indexes without it
    pass
else:
    jieba.dt.check_initialized()
