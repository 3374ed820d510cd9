"""Demo data of med_purchase: the Chinese chart of accounts and the
consumables' accounting categories (a purchase order needs them)."""
import demo_data as D

class PurchaseSteps:

    STEPS = [
        'accounting',
        ]

    def accounting(self):
        "chart of accounts and the consumables' accounting categories"
        pool = self.pool
        Account = pool.get('account.account')
        Category = pool.get('product.category')
        Template = pool.get('product.template')
        PurchaseConfiguration = pool.get('purchase.configuration')
        AccountConfiguration = pool.get('account.configuration')
        Type = pool.get('account.account.type')
        company = self.company.id
        # A small chart in Chinese, as the hospital's accountant would set
        # it up (政府会计制度 names); Tryton's universal chart is English
        # only and users read its names in 财务.
        sheet, income = self.create(Type, [
                {'name': '资产负债表', 'statement': None, 'company': company,
                    'sequence': 10},
                {'name': '收入费用表', 'statement': None, 'company': company,
                    'sequence': 20}])
        assets, liabilities, equity = self.create(Type, [
                {'name': '资产', 'parent': sheet.id, 'statement': 'balance',
                    'assets': True, 'company': company, 'sequence': 10},
                {'name': '负债', 'parent': sheet.id, 'statement': 'balance',
                    'company': company, 'sequence': 20},
                {'name': '净资产', 'parent': sheet.id,
                    'statement': 'balance', 'company': company,
                    'sequence': 30}])
        receivable_type, stock_type, payable_type, revenue_type, \
            expense_type = self.create(Type, [
                {'name': '应收款项', 'parent': assets.id,
                    'statement': 'balance', 'assets': True,
                    'receivable': True, 'company': company, 'sequence': 10},
                {'name': '库存物品', 'parent': assets.id,
                    'statement': 'balance', 'assets': True, 'stock': True,
                    'company': company, 'sequence': 20},
                {'name': '应付款项', 'parent': liabilities.id,
                    'statement': 'balance', 'payable': True,
                    'company': company, 'sequence': 10},
                {'name': '医疗收入', 'parent': income.id,
                    'statement': 'income', 'revenue': True,
                    'company': company, 'sequence': 10},
                {'name': '业务活动费用', 'parent': income.id,
                    'statement': 'income', 'expense': True,
                    'company': company, 'sequence': 20}])
        root, = self.create(Account, [
                {'name': '医院会计科目', 'company': company}])
        receivable, _, payable, _, _, _ = self.create(Account, [
                {'code': '1212', 'name': '应收账款', 'parent': root.id,
                    'type': receivable_type.id, 'reconcile': True,
                    'party_required': True, 'company': company},
                {'code': '1302', 'name': '库存物品', 'parent': root.id,
                    'type': stock_type.id, 'company': company},
                {'code': '2302', 'name': '应付账款', 'parent': root.id,
                    'type': payable_type.id, 'reconcile': True,
                    'party_required': True, 'company': company},
                {'code': '3001', 'name': '累计盈余', 'parent': root.id,
                    'type': equity.id, 'company': company},
                {'code': '4001', 'name': '事业收入—医疗收入',
                    'parent': root.id, 'type': revenue_type.id,
                    'company': company},
                {'code': '5001', 'name': '业务活动费用—卫生材料费',
                    'parent': root.id, 'type': expense_type.id,
                    'company': company}])
        configuration = AccountConfiguration(1)
        configuration.default_account_receivable = receivable
        configuration.default_account_payable = payable
        configuration.save()
        expense, = Account.search([('type.expense', '=', True)], limit=1)
        revenue, = Account.search([('type.revenue', '=', True)], limit=1)
        low, high = self.create(Category, [
                {'name': name, 'code': code, 'accounting': True,
                    'account_expense': expense.id,
                    'account_revenue': revenue.id}
                for code, name in [('ACC-L', '低值耗材（会计）'),
                    ('ACC-H', '高值耗材（会计）')]])
        for category, klass in [(low, 'low'), (high, 'high')]:
            templates = Template.search([('consumable_class', '=', klass)])
            Template.write(templates, {'account_category': category.id})
        config = PurchaseConfiguration(1)
        config.approval_threshold = D.PURCHASE_APPROVAL_THRESHOLD
        config.save()
