# 医用耗材精细化管理 — 采购业务. Classes are registered in tryton.cfg.
