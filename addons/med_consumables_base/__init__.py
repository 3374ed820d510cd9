# 医用耗材精细化管理 — 基础信息. Classes are registered in tryton.cfg.
