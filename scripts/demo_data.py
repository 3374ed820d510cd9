"""Static tables and pure generators for the demo hospital.

Everything here is plain Python (no Tryton import) so it can be tested on
its own: ``python scripts/demo_data.py`` runs the self-checks.

Names of companies are real Chinese medical-device makers; their codes
(统一社会信用代码, GTIN, 注册证号) are synthetic but structurally valid.
"""
import itertools
from decimal import Decimal
import random

from stdnum import ean
from stdnum.cn import uscc

HOSPITAL = {
    'name': '江城市第一人民医院',
    'short': 'JCYY',
    'region': '420100',
    'city': '江城市',
    'street': '江汉区解放大道1277号',
    'postal_code': '430022',
    'phone': '+86 27 8572 6114',
    'email': 'sbk@jcyy.example',
    'website': 'https://www.jcyy.example',
    }

# 行政区划代码 → (省简称, 设区市简称) used for 注册证/备案号 prefixes
REGIONS = {
    '110000': ('京', '京'), '110112': ('京', '京'), '110114': ('京', '京'),
    '310000': ('沪', '沪'), '310114': ('沪', '沪'), '310115': ('沪', '沪'),
    '320500': ('苏', '苏'), '330100': ('浙', '杭'), '330600': ('浙', '绍'),
    '360124': ('赣', '昌'), '371000': ('鲁', '威'), '410728': ('豫', '新'),
    '420100': ('鄂', '汉'), '440100': ('粤', '穗'), '440300': ('粤', '深'),
    '610100': ('陕', '西'),
    }

# key, name, region, address, gs1 prefix (digits before the item reference),
# imported (registration 国械注进: the party is the Chinese agent), uses MA codes
MANUFACTURERS = [
    ('weigao', '山东威高集团医用高分子制品股份有限公司', '371000',
        '威海市火炬高技术产业开发区兴山路18号', '06901234', False, False),
    ('weigao_ortho', '山东威高骨科材料股份有限公司', '371000',
        '威海市火炬高技术产业开发区威高西路26号', '06901847', False, True),
    ('mindray', '深圳迈瑞生物医疗电子股份有限公司', '440300',
        '深圳市南山区高新技术产业园区科技南十二路迈瑞大厦', '06902468', False,
        False),
    ('lepu', '乐普（北京）医疗器械股份有限公司', '110112',
        '北京市昌平区超前路37号', '06903357', False, True),
    ('microport', '上海微创医疗器械（集团）有限公司', '310115',
        '上海市浦东新区张江高科技园区牛顿路501号', '06904512', False, True),
    ('jnj', '强生（上海）医疗器材有限公司', '310000',
        '上海市闵行区紫秀路100号', '0070503', True, False),
    ('medtronic', '美敦力（上海）管理有限公司', '310000',
        '上海市静安区南京西路1168号中信泰富广场', '0076300', True, False),
    ('chunli', '北京市春立正达医疗器械股份有限公司', '110112',
        '北京市通州区通州经济开发区南区鑫觅西二路10号', '06905183', False,
        True),
    ('kdl', '上海康德莱企业发展集团股份有限公司', '310114',
        '上海市嘉定区高潮路658号', '06906021', False, False),
    ('zhende', '振德医疗用品股份有限公司', '330600',
        '绍兴市越城区皋埠镇皋北工业区', '06906790', False, False),
    ('winner', '稳健医疗用品股份有限公司', '440300',
        '深圳市龙华区民治街道稳健工业园', '06907432', False, False),
    ('hongda', '江西洪达医疗器械集团有限公司', '360124',
        '南昌市进贤县李渡镇医疗器械科技园', '06908115', False, False),
    ('bd', '碧迪医疗器械（苏州）有限公司', '320500',
        '苏州工业园区苏虹西路176号', '06908863', False, False),
    ('tuoren', '河南驼人医疗器械集团有限公司', '410728',
        '长垣市驼人工业园区', '06909371', False, False),
    ('jiwei', '山东吉威医疗制品有限公司', '371000',
        '威海市火炬高技术产业开发区兴山路20号', '06910054', False, True),
    ('eyebright', '爱博诺德（北京）医疗科技股份有限公司', '110000',
        '北京市昌平区科技园区兴昌路9号', '06910728', False, False),
    ('alcon', '爱尔康（中国）眼科产品有限公司', '110000',
        '北京市朝阳区东三环中路5号财富金融中心', '0038065', True, False),
    ('kangtuo', '西安康拓医疗技术股份有限公司', '610100',
        '西安市高新区草堂科技产业基地秦岭大道西6号', '06911406', False,
        False),
    ('guanhao', '冠昊生物科技股份有限公司', '440100',
        '广州市黄埔区开源大道196号', '06912015', False, False),
    ('akec', '北京爱康宜诚医疗器材有限公司', '110000',
        '北京市昌平区科技园区白浮泉路10号', '06912674', False, True),
    ('kangji', '杭州康基医疗器械有限公司', '330100',
        '杭州市桐庐县富春江镇康基路1号', '06913382', False, False),
    ('3m', '3M中国有限公司', '310000',
        '上海市长宁区兴义路8号万都中心', '06914030', False, False),
    ]

DISTRIBUTORS = [
    ('江城国控医疗器械有限公司', '江汉区新华路218号'),
    ('华润江城医疗器械有限公司', '江岸区建设大道568号'),
    ('九州通江城医疗器械有限公司', '汉阳区龙阳大道3号'),
    ('上药控股江城有限公司', '硚口区解放大道634号'),
    ('江城瑞康医疗供应链有限公司', '洪山区珞喻路1037号'),
    ('江城康泰医疗器械有限公司', '武昌区中北路109号'),
    ('江城恒信医疗器械贸易有限公司', '东西湖区金银湖路18号'),
    ('江城博润医疗科技有限公司', '东湖新技术开发区光谷大道77号'),
    ('江城华耀医疗器械有限公司', '青山区和平大道1188号'),
    ('江城德仁医疗器械有限公司', '江夏区文化大道99号'),
    ('江城金泰医用材料有限公司', '黄陂区盘龙大道55号'),
    ('江城嘉禾医疗器械有限公司', '蔡甸区蔡甸大街31号'),
    ]

# Extra names for --scale (more distributors / manufacturers)
CITY_WORDS = ['江城', '汉川', '荆楚', '楚天', '长江', '汉江', '云梦', '鄂东',
    '襄江', '宜昌', '黄鹤', '东湖', '晴川', '龟山', '沙湖', '南湖']
TRADE_WORDS = ['康泽', '仁和', '安达', '宏远', '益康', '博雅', '海川', '同济',
    '民生', '佳和', '天成', '瑞丰', '华信', '信达', '永康', '致远', '恒瑞',
    '德润', '正源', '普安']

# (code, name, class) → children (code, name, nhsa level 1 + level 2)
CATEGORIES = [
    ('D', '低值耗材', 'low', [
        ('D01', '注射穿刺类', '1401'),
        ('D02', '输液类', '1402'),
        ('D03', '导管类', '1403'),
        ('D04', '敷料类', '1404'),
        ('D05', '缝合类', '1405'),
        ('D06', '防护类', '1406'),
        ('D07', '检验类', '1407'),
        ('D08', '监护类', '1408'),
        ]),
    ('G', '高值耗材', 'high', [
        ('G01', '血管介入类', '0101'),
        ('G02', '骨科植入类', '0301'),
        ('G03', '吻合器类', '1201'),
        ('G04', '神经外科类', '0401'),
        ('G05', '眼科类', '0801'),
        ('G06', '起搏电生理类', '0601'),
        ]),
    ]

# name, symbol
UOMS = [('支', '支'), ('个', '个'), ('盒', '盒'), ('包', '包'), ('只', '只'),
    ('套', '套'), ('根', '根'), ('片', '片'), ('副', '副'), ('件', '件'),
    ('卷', '卷'), ('枚', '枚'), ('把', '把'), ('台', '台'), ('块', '块')]


def _x(*lists, sep=' '):
    "Cartesian product of spec fragments"
    return [sep.join(p).strip() for p in itertools.product(*lists)]


SYRINGE_ML = ['1ml', '2ml', '2.5ml', '5ml', '10ml', '20ml', '30ml', '50ml']
NEEDLES = ['0.45×16RWLB', '0.5×20RWLB', '0.6×25TWLB', '0.6×32TWLB',
    '0.7×32TWLB', '0.8×38TWLB', '1.2×38TWSB']
GAUGES = ['14G', '16G', '18G', '20G', '22G', '24G', '26G']
FR = ['6Fr', '8Fr', '10Fr', '12Fr', '14Fr', '16Fr', '18Fr', '20Fr', '22Fr',
    '24Fr']
STENT_D = ['2.25mm', '2.5mm', '2.75mm', '3.0mm', '3.5mm', '4.0mm']
STENT_L = ['9mm', '12mm', '14mm', '15mm', '18mm', '21mm', '24mm', '29mm',
    '33mm', '36mm']
BALLOON_D = ['1.25mm', '1.5mm', '2.0mm', '2.5mm', '3.0mm', '3.5mm', '4.0mm']
BALLOON_L = ['10mm', '12mm', '15mm', '20mm', '25mm', '30mm']
SCREW_D = ['Φ4.5', 'Φ5.0', 'Φ5.5', 'Φ6.0', 'Φ6.5', 'Φ7.0']
SCREW_L = ['30mm', '35mm', '40mm', '45mm', '50mm', '55mm']
HOLES = ['4孔', '5孔', '6孔', '7孔', '8孔', '9孔', '10孔', '12孔', '14孔']
SUTURE = ['2-0', '3-0', '4-0', '5-0', '0', '1']
SUTURE_NEEDLE = ['1/2弧 26mm 圆针', '3/8弧 24mm 角针', '1/2弧 36mm 圆针',
    '3/8弧 19mm 角针']

# A family is one 通用名; products are family × spec × manufacturer.
# keys: name, cat, class, uom, price (lo, hi), reg (1/2/3), specs, mfr,
# generic (3-digit NHSA 通用名 code), qty (receipt lot size lo, hi)
FAMILIES = [
    dict(name='一次性使用无菌注射器', cat='D01', uom='支', price=(0.25, 1.6),
        reg=3, generic='001', qty=(600, 3000),
        specs=_x(SYRINGE_ML, NEEDLES),
        mfr=['weigao', 'kdl', 'hongda', 'bd', 'tuoren']),
    dict(name='一次性使用无菌注射针', cat='D01', uom='支', price=(0.08, 0.4),
        reg=3, generic='002', qty=(1000, 5000), specs=NEEDLES,
        mfr=['weigao', 'kdl', 'hongda', 'bd']),
    dict(name='一次性使用静脉留置针', cat='D01', uom='支', price=(6.5, 28),
        reg=3, generic='003', qty=(200, 1200),
        specs=_x(GAUGES, ['直型', 'Y型', '密闭式', '防针刺型']),
        mfr=['weigao', 'bd', 'tuoren', 'kdl']),
    dict(name='一次性使用麻醉穿刺包', cat='D01', uom='套', price=(28, 95),
        reg=3, generic='004', qty=(50, 200),
        specs=_x(['腰椎麻醉', '硬膜外麻醉', '腰硬联合麻醉', '神经阻滞'],
            ['AS-E', 'AS-E/S', 'AS-H', 'AS-N']),
        mfr=['tuoren', 'weigao', 'hongda']),
    dict(name='一次性使用输液器', cat='D02', uom='套', price=(1.2, 6.8),
        reg=3, generic='011', qty=(500, 3000),
        specs=_x(['带针 0.55×20', '带针 0.6×25', '带针 0.7×25', '带针 0.8×28'],
            ['普通型', '精密过滤型', '避光型', '自动止液型']),
        mfr=['weigao', 'kdl', 'hongda', 'bd']),
    dict(name='一次性使用输血器', cat='D02', uom='套', price=(2.5, 7.5),
        reg=3, generic='012', qty=(200, 800),
        specs=_x(['带针 1.2×38', '带针 1.6×38', '不带针'], ['Y型', '直型']),
        mfr=['weigao', 'hongda', 'kdl']),
    dict(name='一次性使用输液接头', cat='D02', uom='个', price=(4.5, 18),
        reg=3, generic='013', qty=(200, 1000),
        specs=['正压接头', '无针接头', '分隔膜接头', '三通接头'],
        mfr=['bd', 'weigao', 'tuoren']),
    dict(name='一次性使用无菌导尿管', cat='D03', uom='根', price=(3.5, 45),
        reg=2, generic='021', qty=(100, 600),
        specs=_x(FR, ['单腔', '双腔', '三腔']),
        mfr=['weigao', 'tuoren', 'kdl']),
    dict(name='一次性使用吸痰管', cat='D03', uom='根', price=(0.8, 4.5),
        reg=2, generic='022', qty=(300, 1500), specs=FR[:7],
        mfr=['weigao', 'tuoren', 'hongda']),
    dict(name='一次性使用胃管', cat='D03', uom='根', price=(2.5, 18),
        reg=2, generic='023', qty=(100, 500), specs=FR[3:],
        mfr=['weigao', 'tuoren']),
    dict(name='一次性使用气管插管', cat='D03', uom='根', price=(12, 65),
        reg=2, generic='024', qty=(50, 300),
        specs=_x(['ID5.0', 'ID6.0', 'ID6.5', 'ID7.0', 'ID7.5', 'ID8.0'],
            ['普通型', '加强型']),
        mfr=['tuoren', 'weigao']),
    dict(name='中心静脉导管包', cat='D03', uom='套', price=(150, 380),
        reg=3, generic='025', qty=(20, 100),
        specs=_x(['单腔', '双腔', '三腔'], ['7Fr 16cm', '7Fr 20cm', '5Fr 13cm']),
        mfr=['tuoren', 'bd', 'weigao']),
    dict(name='一次性使用引流袋', cat='D03', uom='个', price=(1.5, 9),
        reg=1, generic='026', qty=(200, 1000),
        specs=['1000ml 普通型', '1000ml 防逆流型', '2000ml 普通型',
            '2000ml 精密计量型'],
        mfr=['weigao', 'tuoren', 'hongda']),
    dict(name='医用纱布块', cat='D04', uom='包', price=(0.9, 6),
        reg=2, generic='031', qty=(300, 2000),
        specs=_x(['5cm×5cm-8层', '7.5cm×7.5cm-8层', '10cm×10cm-8层',
            '10cm×10cm-12层'], ['2片/包', '5片/包', '10片/包']),
        mfr=['zhende', 'winner']),
    dict(name='医用棉签', cat='D04', uom='包', price=(0.3, 1.5),
        reg=1, generic='032', qty=(500, 3000),
        specs=_x(['10cm', '12cm', '15cm'], ['10支/包', '20支/包', '50支/包']),
        mfr=['zhende', 'winner']),
    dict(name='一次性使用无菌敷贴', cat='D04', uom='片', price=(0.5, 12),
        reg=2, generic='033', qty=(300, 2000),
        specs=['6cm×7cm', '9cm×10cm', '9cm×15cm', '10cm×20cm', '10cm×25cm',
            '透明型 6cm×7cm', '透明型 10cm×12cm'],
        mfr=['zhende', 'winner', '3m']),
    dict(name='医用弹性绷带', cat='D04', uom='卷', price=(2, 9),
        reg=1, generic='034', qty=(100, 600),
        specs=['5cm×4.5m', '7.5cm×4.5m', '10cm×4.5m', '15cm×4.5m'],
        mfr=['zhende', 'winner']),
    dict(name='医用胶带', cat='D04', uom='卷', price=(1.5, 12),
        reg=1, generic='035', qty=(100, 800),
        specs=['1.25cm×9.1m 透气型', '2.5cm×9.1m 透气型', '1.25cm×9.1m 丝绸型',
            '2.5cm×4.5m 弹性型'],
        mfr=['3m', 'zhende', 'winner']),
    dict(name='可吸收缝合线', cat='D05', uom='根', price=(28, 135),
        reg=3, generic='041', qty=(50, 300),
        specs=_x(SUTURE, SUTURE_NEEDLE, ['75cm', '90cm']),
        mfr=['jnj', 'weigao', 'kangji']),
    dict(name='非吸收性外科缝线', cat='D05', uom='根', price=(6, 38),
        reg=2, generic='042', qty=(100, 500),
        specs=_x(SUTURE, ['丝线', '聚丙烯', '聚酯'], ['75cm']),
        mfr=['jnj', 'weigao']),
    dict(name='一次性使用皮肤缝合器', cat='D05', uom='个', price=(45, 120),
        reg=2, generic='043', qty=(20, 120),
        specs=['35钉', '25钉', '45钉'], mfr=['kangji', 'weigao']),
    dict(name='医用外科口罩', cat='D06', uom='只', price=(0.25, 1.1),
        reg=2, generic='051', qty=(2000, 10000),
        specs=_x(['17.5cm×9.5cm', '14.5cm×9.5cm'], ['耳挂式', '绑带式'],
            ['灭菌型', '非灭菌型']),
        mfr=['zhende', 'winner', '3m']),
    dict(name='医用防护口罩', cat='D06', uom='只', price=(1.8, 6.5),
        reg=2, generic='052', qty=(500, 3000),
        specs=['折叠式 耳挂', '折叠式 头戴', '杯型 头戴', 'KN95 折叠式'],
        mfr=['3m', 'zhende', 'winner']),
    dict(name='一次性使用医用橡胶检查手套', cat='D06', uom='盒', price=(18, 45),
        reg=2, generic='053', qty=(50, 300),
        specs=_x(['S', 'M', 'L'], ['乳胶 100只/盒', '丁腈 100只/盒']),
        mfr=['zhende', 'winner']),
    dict(name='一次性使用灭菌橡胶外科手套', cat='D06', uom='副', price=(1.2, 4.5),
        reg=3, generic='054', qty=(300, 1500),
        specs=_x(['6.0', '6.5', '7.0', '7.5', '8.0'], ['有粉', '无粉']),
        mfr=['zhende', 'winner']),
    dict(name='一次性使用手术衣', cat='D06', uom='件', price=(8, 35),
        reg=2, generic='055', qty=(100, 600),
        specs=_x(['M', 'L', 'XL'], ['普通型', '加强型']),
        mfr=['zhende', 'winner']),
    dict(name='一次性使用真空采血管', cat='D07', uom='支', price=(0.45, 2.2),
        reg=2, generic='061', qty=(1000, 5000),
        specs=_x(['2ml', '3ml', '4ml', '5ml'], ['EDTA-K2 紫帽', '肝素锂 绿帽',
            '枸橼酸钠 蓝帽', '促凝 红帽', '分离胶 黄帽']),
        mfr=['weigao', 'kdl', 'bd']),
    dict(name='一次性使用静脉血样采集针', cat='D07', uom='支', price=(0.3, 1.8),
        reg=3, generic='062', qty=(1000, 4000),
        specs=_x(['0.6×25', '0.7×25', '0.8×25'], ['软连接式', '笔式', '蝶翼式']),
        mfr=['weigao', 'kdl', 'bd']),
    dict(name='一次性使用病毒采样管', cat='D07', uom='支', price=(1.5, 5),
        reg=1, generic='063', qty=(500, 2000),
        specs=['3ml 灭活型', '3ml 非灭活型', '5ml 灭活型'],
        mfr=['kdl', 'weigao']),
    dict(name='一次性使用心电电极', cat='D08', uom='片', price=(0.4, 2.5),
        reg=2, generic='071', qty=(1000, 5000),
        specs=['成人 圆形', '成人 方形', '儿童 圆形', '新生儿 圆形'],
        mfr=['mindray', '3m']),
    dict(name='一次性使用血氧探头', cat='D08', uom='个', price=(35, 120),
        reg=2, generic='072', qty=(30, 200),
        specs=['成人 指夹式', '儿童 指套式', '新生儿 绑带式'],
        mfr=['mindray']),
    # 高值耗材
    dict(name='冠脉药物洗脱支架', cat='G01', uom='套', price=(560, 850),
        reg=3, generic='101', qty=(4, 20), specs=_x(STENT_D, STENT_L),
        mfr=['lepu', 'microport', 'medtronic', 'jiwei']),
    dict(name='PTCA球囊扩张导管', cat='G01', uom='根', price=(180, 680),
        reg=3, generic='102', qty=(4, 20),
        specs=_x(BALLOON_D, BALLOON_L),
        mfr=['lepu', 'microport', 'medtronic']),
    dict(name='PTCA导引导丝', cat='G01', uom='根', price=(320, 880),
        reg=3, generic='103', qty=(4, 20),
        specs=_x(['0.014"'], ['180cm', '190cm', '300cm'],
            ['亲水涂层', '疏水涂层']),
        mfr=['lepu', 'microport', 'medtronic']),
    dict(name='心脏起搏器', cat='G06', uom='台', price=(9800, 42000),
        reg=3, generic='111', qty=(2, 5),
        specs=['单腔 SR', '双腔 DR', '双腔 DR MRI兼容', '三腔 CRT-P'],
        mfr=['medtronic', 'lepu', 'microport']),
    dict(name='人工髋关节假体', cat='G02', uom='套', price=(6800, 12500),
        reg=3, generic='121', qty=(2, 6),
        specs=_x(['陶瓷-陶瓷', '陶瓷-聚乙烯', '金属-聚乙烯'],
            ['股骨柄 1#', '股骨柄 3#', '股骨柄 5#', '股骨柄 7#']),
        mfr=['chunli', 'weigao_ortho', 'jnj', 'akec']),
    dict(name='人工膝关节假体', cat='G02', uom='套', price=(4800, 9800),
        reg=3, generic='122', qty=(2, 6),
        specs=_x(['后稳定型 PS', '后交叉保留型 CR'], ['2#', '3#', '4#', '5#', '6#']),
        mfr=['chunli', 'weigao_ortho', 'jnj', 'akec']),
    dict(name='骨科接骨板', cat='G02', uom='块', price=(850, 3200),
        reg=3, generic='123', qty=(3, 10),
        specs=_x(['直型', '重建', 'T型', 'L型'], HOLES),
        mfr=['weigao_ortho', 'jnj', 'akec']),
    dict(name='锁定加压钢板', cat='G02', uom='块', price=(1800, 5600),
        reg=3, generic='124', qty=(3, 10),
        specs=_x(['肱骨近端', '桡骨远端', '股骨远端', '胫骨近端', '锁骨'], HOLES,
            ['左', '右']),
        mfr=['weigao_ortho', 'jnj', 'akec']),
    dict(name='椎弓根螺钉', cat='G02', uom='枚', price=(480, 1600),
        reg=3, generic='125', qty=(6, 30),
        specs=_x(SCREW_D, SCREW_L, ['单轴', '万向']),
        mfr=['weigao_ortho', 'jnj', 'akec']),
    dict(name='一次性使用管型吻合器', cat='G03', uom='把', price=(1200, 3500),
        reg=2, generic='131', qty=(3, 12),
        specs=['CDH21', 'CDH25', 'CDH29', 'CDH33', 'ECS25', 'ECS29'],
        mfr=['jnj', 'kangji']),
    dict(name='腔镜切割吻合器', cat='G03', uom='把', price=(1500, 4200),
        reg=2, generic='132', qty=(3, 12),
        specs=['ECH45 标准型', 'ECH60 标准型', 'PSEE60A 加长型', 'EC60A 可旋转'],
        mfr=['jnj', 'kangji']),
    dict(name='腔镜切割吻合器钉仓', cat='G03', uom='个', price=(600, 1600),
        reg=2, generic='133', qty=(6, 30),
        specs=_x(['45mm', '60mm'], ['白钉', '蓝钉', '金钉', '绿钉']),
        mfr=['jnj', 'kangji']),
    dict(name='人工晶状体', cat='G05', uom='片', price=(800, 6800),
        reg=3, generic='141', qty=(3, 15),
        specs=_x(['+10.0D', '+15.0D', '+18.0D', '+20.0D', '+21.0D', '+22.0D',
            '+24.0D', '+26.0D'], ['单焦点', '非球面']),
        mfr=['eyebright', 'alcon']),
    dict(name='颅骨修补钛网', cat='G04', uom='片', price=(3800, 9800),
        reg=3, generic='151', qty=(2, 8),
        specs=['80mm×100mm', '100mm×120mm', '120mm×120mm', '120mm×150mm',
            '三维塑形 个性化'],
        mfr=['kangtuo']),
    dict(name='硬脑膜补片', cat='G04', uom='片', price=(1800, 5200),
        reg=3, generic='152', qty=(3, 12),
        specs=['2.5cm×2.5cm', '5cm×5cm', '5cm×7.5cm', '10cm×12.5cm'],
        mfr=['guanhao', 'medtronic']),
    ]

# name, code, his_code, high-value categories in its catalogue,
# low-value category preference
DEPARTMENTS = [
    ('心内科', 'XNK', '0101', ['G06'], ['D01', 'D02', 'D08']),
    ('呼吸内科', 'HXNK', '0102', [], ['D01', 'D02', 'D03', 'D06']),
    ('神经内科', 'SJNK', '0103', [], ['D01', 'D02', 'D03']),
    ('普外科', 'PWK', '0201', ['G03'], ['D03', 'D04', 'D05']),
    ('骨科', 'GK', '0202', ['G02'], ['D04', 'D05', 'D06']),
    ('神经外科', 'SJWK', '0203', ['G04'], ['D03', 'D04', 'D05']),
    ('妇产科', 'FCK', '0301', [], ['D01', 'D04', 'D05', 'D07']),
    ('儿科', 'EK', '0401', [], ['D01', 'D02', 'D08']),
    ('眼科', 'YK', '0501', ['G05'], ['D04', 'D05', 'D06']),
    ('急诊科', 'JZK', '0601', [], ['D01', 'D02', 'D03', 'D08']),
    ('重症医学科（ICU）', 'ICU', '0602', [], ['D01', 'D02', 'D03', 'D08']),
    ('手术室', 'SSS', '0701', ['G02', 'G03', 'G04', 'G05'],
        ['D04', 'D05', 'D06']),
    ('导管室', 'DGS', '0702', ['G01', 'G06'], ['D01', 'D02', 'D06']),
    ('检验科', 'JYK', '0801', [], ['D06', 'D07']),
    ]
# Departments supplied by the 高值库 instead of the 中心库
HIGH_VALUE_SUPPLIED = {'SSS', 'DGS'}

# Extra clinical and technical departments for --scale (each may be split
# into 病区 when even more are needed)
EXTRA_DEPARTMENTS = [
    '内分泌科', '肾内科', '消化内科', '血液内科', '风湿免疫科', '感染科',
    '肿瘤科', '放疗科', '康复医学科', '皮肤科', '耳鼻咽喉科', '口腔科',
    '泌尿外科', '胸外科', '心血管外科', '肝胆外科', '胃肠外科', '甲乳外科',
    '血管外科', '烧伤整形科', '手足外科', '脊柱外科', '关节外科', '创伤骨科',
    '麻醉科', '疼痛科', '中医科', '老年医学科', '全科医学科', '新生儿科',
    '产科', '生殖医学中心', '内镜中心', '介入科', '超声科', '放射科',
    '核医学科', '病理科', '输血科', '体检中心', '门诊部', '发热门诊',
    '血液透析中心', '静脉用药调配中心', '消毒供应中心', '高压氧科',
    '精神心理科', '营养科', '睡眠医学中心', '日间手术中心',
    ]
WARD_WORDS = ['一病区', '二病区', '三病区', '四病区', '五病区']

SURNAMES = ('王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹'
    '彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾'
    '夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴')
GIVEN = ('建国 志强 海燕 晓梅 丽华 文博 俊杰 秀英 明辉 雪梅 红霞 国华 立新 '
    '春燕 永刚 凤英 振华 玉兰 伟东 佳怡 思远 子涵 欣怡 浩然 雨桐 宇航 '
    '晨曦 天宇 慧敏 嘉琪 淑芬 德明 卫东 利民 桂芳 建华 敏 静 磊 洋 勇 '
    '艳 杰 娟 涛 超 霞 平 刚 军 强 丹 萍 鹏 华 飞 玲 斌').split()

# login, name, role title, groups (xml ids), department code, extra
USERS = [
    ('ward', '李晓梅', '心内科申领员',
        ['med_consumables_base.group_med_department'], 'XNK'),
    ('ward_head', '张建国', '心内科主任',
        ['med_consumables_base.group_med_department',
            'med_consumables_base.group_med_department_head'], 'XNK'),
    ('ortho', '王丽', '骨科申领员',
        ['med_consumables_base.group_med_department'], 'GK'),
    ('keeper', '刘强', '库管员',
        ['med_consumables_base.group_med_warehouse', 'stock.group_stock'],
        None),
    ('keeper_head', '陈志明', '库房主管',
        ['med_consumables_base.group_med_warehouse',
            'med_consumables_base.group_med_warehouse_manager',
            'stock.group_stock', 'stock.group_stock_admin',
            'stock_lot_sled.group_stock_force_expiration'], None),
    ('buyer', '赵静', '采购员',
        ['med_consumables_base.group_med_purchaser', 'stock.group_stock',
            'purchase.group_purchase',
            'purchase_request.group_purchase_request'],
        None),
    ('buyer_head', '孙伟', '采购主管',
        ['med_consumables_base.group_med_purchaser',
            'med_consumables_base.group_med_purchase_manager',
            'stock.group_stock', 'purchase.group_purchase',
            'purchase.group_purchase_admin',
            'purchase_request.group_purchase_request'], None),
    ('finance', '周敏', '财务结算',
        ['med_consumables_base.group_med_finance', 'account.group_account'],
        None),
    ('consumables', '吴海燕', '耗材管理员',
        ['med_consumables_base.group_med_admin', 'product.group_product_admin',
            'stock.group_stock'], None),
    ('his', 'HIS 接口', 'HIS 接口账号',
        ['med_consumables_base.group_med_his'], None),
    ('ops', '郑磊', '运维工程师',
        ['med_consumables_base.group_med_maintenance'], None),
    ]
MED_GROUPS = ['group_med_department', 'group_med_department_head',
    'group_med_warehouse', 'group_med_warehouse_manager',
    'group_med_purchaser', 'group_med_purchase_manager', 'group_med_finance',
    'group_med_admin', 'group_med_his', 'group_med_maintenance']
PASSWORD = 'demo-2026'

# ---------------------------------------------------------------- generators

_USCC_ALPHABET = '0123456789ABCDEFGHJKLMNPQRTUWXY'
_ORG_WEIGHTS = (3, 7, 9, 10, 5, 8, 4, 2)


def org_code_check(body):
    "GB 11714 check character of an 8-char organisation code body"
    def value(c):
        return int(c) if c.isdigit() else ord(c) - ord('A') + 10
    total = sum(value(c) * w for c, w in zip(body, _ORG_WEIGHTS))
    check = 11 - total % 11
    return {10: 'X', 11: '0'}.get(check, str(check))


def make_uscc(rng, region, prefix='91', new_style=None):
    """A structurally valid 统一社会信用代码.

    prefix: 91 企业, 12 事业单位 (hospital), 92 个体户…
    """
    if new_style is None:
        new_style = rng.random() < 0.5
    if new_style:
        # Codes issued since 2015 carry 'MA' + 6 chars in the organisation part
        body = 'MA' + ''.join(rng.choice(_USCC_ALPHABET) for _ in range(6))
    else:
        body = '%08d' % rng.randrange(10000000, 99999999)
    org = body + org_code_check(body)
    if org[-1] not in _USCC_ALPHABET:
        # 'X' is in the alphabet, digits too: never happens, keep it safe
        return make_uscc(rng, region, prefix, new_style)
    first17 = prefix + region + org
    return first17 + uscc.calc_check_digit(first17)


def make_gtin14(prefix, item):
    "14-digit GTIN: prefix + zero-padded item reference + check digit"
    body = prefix + str(item).zfill(13 - len(prefix))
    assert len(body) == 13, body
    return body + ean.calc_check_digit(body)


def make_ma_di(company, item):
    "MA (码上放心/IDcode) device identifier, e.g. MA.156.M0.100023.3000145"
    return 'MA.156.M0.%06d.%07d' % (company, item)


def make_nhsa(levels, generic, material, feature, company, spec):
    """27-char 医保医用耗材代码: C + 3 two-digit levels + 3 通用名 +
    2 材质 + 2 特征 + 6 企业 (= 20-char product prefix) + 7 规格型号."""
    code = 'C%s%03d%02d%02d%06d%07d' % (
        levels, int(generic), material, feature, company, spec)
    assert len(code) == 27, code
    return code


def registration_number(rng, reg_class, region, imported, year, cat_code,
        serial):
    prov, city = REGIONS.get(region, ('鄂', '汉'))
    if reg_class == 1:
        return '%s%s械备%d%04d号' % (prov, city, year, serial % 10000)
    if imported:
        return '国械注进%d%d%02d%04d' % (year, reg_class, cat_code,
            serial % 10000)
    if reg_class == 3:
        return '国械注准%d%d%02d%04d' % (year, reg_class, cat_code,
            serial % 10000)
    return '%s械注准%d%d%02d%04d' % (prov, year, reg_class, cat_code,
        serial % 10000)


def person_name(rng):
    return rng.choice(SURNAMES) + rng.choice(GIVEN)


def dept_code(name):
    "Pinyin initials of a department name, e.g. 内分泌科 → NFMK"
    from pypinyin import Style, lazy_pinyin
    name = name.replace('（', '').replace('）', '')
    return ''.join(p[0] for p in lazy_pinyin(name, style=Style.FIRST_LETTER)
        if p and p[0].isalpha()).upper()


def natural_capacity(extra_mfrs=0):
    "How many distinct products the families give with extra makers"
    return sum(len(f['specs']) * (len(f['mfr'])
            + (extra_mfrs if f['cat'].startswith('D') else 0))
        for f in FAMILIES)


def extra_manufacturers_needed(n):
    "Synthetic low-value makers needed so that n products stay natural"
    low_specs = sum(len(f['specs']) for f in FAMILIES
        if f['cat'].startswith('D'))
    missing = n - natural_capacity()
    return max(0, -(-missing // low_specs)) if missing > 0 else 0


def extra_manufacturer(rng, i):
    "A synthetic (key, name, region, address, gs1 prefix, imported, ma)"
    city = CITY_WORDS[i % len(CITY_WORDS)]
    trade = TRADE_WORDS[(i // len(CITY_WORDS) + i) % len(TRADE_WORDS)]
    return ('x%03d' % i, '%s%s医疗器械有限公司' % (city, trade), '420100',
        '江城市东湖新技术开发区医疗器械园%d号' % (i + 1),
        '069%05d' % (20000 + i * 37), False, False)


def expand_families(n, rng, extra_mfrs=()):
    """Return n product specs (family, spec, manufacturer key), every family
    first, round-robin, deterministic, unique.  extra_mfrs: keys of
    synthetic manufacturers added to low-value families."""
    pools = []
    for family in FAMILIES:
        mfrs = list(family['mfr'])
        if family['cat'].startswith('D'):
            mfrs += list(extra_mfrs)
        combos = [(s, m) for s in family['specs'] for m in mfrs]
        rng.shuffle(combos)
        pools.append([family, combos, 0])
    capacity = sum(len(p[1]) for p in pools)
    # Last resort beyond the natural combinations: package variants
    packs = ['', ' 独立包装', ' 小包装', ' 大包装', ' 2代', ' 3代']
    result = []
    variant = 0
    while len(result) < n:
        progressed = False
        for pool in pools:
            family, combos, i = pool
            if i >= len(combos):
                continue
            spec, mfr = combos[i]
            pool[2] += 1
            result.append((family, spec + packs[variant], mfr))
            progressed = True
            if len(result) >= n:
                break
        if not progressed:
            variant += 1
            if variant >= len(packs):
                raise ValueError('cannot generate %d products (max %d)'
                    % (n, capacity * len(packs)))
            for pool in pools:
                pool[2] = 0
    return result


def _selfcheck():
    from stdnum import ean as ean_
    from stdnum.cn import uscc as uscc_
    import re
    rng = random.Random(2026)
    codes = {make_uscc(rng, r) for r in REGIONS for _ in range(200)}
    assert all(uscc_.is_valid(c) and len(c) == 18 for c in codes)
    assert uscc_.is_valid(make_uscc(rng, '420100', '12'))
    for m in MANUFACTURERS:
        g = make_gtin14(m[4], 12345)
        assert len(g) == 14 and ean_.is_valid(g), g
    assert make_ma_di(100023, 3000145) == 'MA.156.M0.100023.3000145'
    n = make_nhsa('140101', '001', 1, 2, 123456, 1)
    assert re.fullmatch(r'C\d{26}', n) and all(
        '01' <= n[i:i + 2] <= '99' for i in (1, 3, 5)), n
    extra = extra_manufacturers_needed(10000)
    assert natural_capacity(extra) >= 10000
    products = expand_families(10000, random.Random(2026),
        [extra_manufacturer(rng, i)[0] for i in range(extra)])
    keys = {(f['name'], s, m) for f, s, m in products}
    assert len(keys) == 10000
    assert not any(s.endswith(('包装', '代')) for _, s, _ in products)
    assert len(expand_families(12000, random.Random(1))) == 12000
    assert products[0][0]['name'] == '一次性使用无菌注射器'
    first = expand_families(150, random.Random(2026))
    assert {f['name'] for f, _, _ in first} == {f['name'] for f in FAMILIES}
    assert dept_code('内分泌科') == 'NFMK', dept_code('内分泌科')
    capacity = sum(len(f['specs']) * len(f['mfr']) for f in FAMILIES)
    print('ok: %d USCC, capacity %d natural products, %d extra makers for '
        '10k' % (len(codes), capacity, extra))


if __name__ == '__main__':
    _selfcheck()

# Purchase orders above this amount need two purchase managers (采购配置)
PURCHASE_APPROVAL_THRESHOLD = Decimal('50000')
# Departments whose approved requisitions wait for 中心库 (请领单整合 demo)
DEMO_REQUISITION_DEPARTMENTS = ['XNK', 'PWK', 'GK']
