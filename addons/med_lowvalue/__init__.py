# 医用耗材精细化管理 — 科室业务与库房业务. Classes are registered in tryton.cfg.
