"""Training-only texts in the voices of real intake (added Dec 2026): people and services."""
DATA = {}
DATA["elderly_care"] = r"""
n 我妈八十六了，一个人住，想申请每周有人上门看看她
n 想给老人申请助餐，社区的老年食堂离我家太远
c 老年食堂的菜太硬了，老人咬不动
c 助餐点中午十一点半就没饭了，去晚了只能空手回
i 日间照料中心能不能接送？我爸腿脚不方便
i 居家养老服务是免费的吗？怎么收费
i 家庭养老床位需要什么条件才能申请？
s 建议老年活动室多放几把有靠背的椅子，现在都是板凳
s 希望能组织志愿者定期上门给独居老人剪指甲、理发
c 上门的护工才干了半小时就走了，说好的两个小时
c 老年大学报名要在手机上抢，老人根本抢不到
n 我爸有点老年痴呆，白天没人看着，社区有没有能托管的地方
n 想给家里老人装个一键呼叫的设备，听说社区有补贴
p 感谢社区的李姐，每个礼拜都来陪我妈聊天
i 老人陪诊服务一次多少钱？怎么预约
c 养老院的饭菜很差，老人瘦了一大圈
c My grandmother lives alone and nobody from the community has visited her in months.
i Is there a day care centre for elderly people near here?
n 俺老两口都八十多了，做饭越来越难，想订社区的送餐
n 我一个孤老头子，晚上心里慌，能不能有人每天打个电话问问
c 老年食堂又涨价了😩一顿饭从十块涨到十五
n 喂 我是一个人住的 七十九了 想问问有没有人 能帮我去医院拿药
n! 我爷爷在楼梯上摔下来了，头上有血，叫他也不太应，家里只有我一个小孩
n! 对门的老太太在家里喊救命，门打不开，我们进不去
n [hard_negative] 我妈前年摔过一次，现在走路不稳，想申请适老化改造装扶手
""".strip()
DATA["child_youth"] = r"""
n 孩子放学早，三点半就放了，我们要六点才下班，有没有托管
i 社区暑托班什么时候报名？一天多少钱
i 四点半课堂收不收一年级的？
c 托管班的老师换得太频繁了，孩子不适应
c 小区游乐场的秋千绳子磨得快断了
c 楼下的儿童乐园被停车占了一半
s 建议周末办点亲子活动，现在周末都没地方去
s 希望社区能开个青少年篮球队，孩子们放学在街上闲逛
n 孩子两岁半，想找个靠谱的托育机构
i 社区的儿童图书室几点开门？
c 有几个初中生放学后在废弃厂房里玩火，大人都不知道
n 孩子最近不爱说话，想找个心理老师聊聊
p 谢谢暑托班的老师，孩子这个暑假学会了游泳
c The playground in our compound has broken equipment and sharp edges.
i Are there any summer programmes for kids aged 8 to 12?
n 我家娃调皮得很，放学没人看，求推荐个靠谱的托管班🙏
i 喂 我想问问 那个 寒假 社区有没有给小孩的活动
n! 我孩子在小区里不见了，四岁，穿蓝色外套，已经找了四十分钟
n! 楼上小孩爬到窗户外面的空调架上了，大人不在家，快来人
i [hard_negative] 如果孩子被锁在车里了应该先打什么电话？想提前了解一下
""".strip()
DATA["health"] = r"""
i 社区医院能不能开降压药？一次能开几个月的？
i 家庭医生签约要带什么证件？
i 带状疱疹疫苗社区有吗？多少钱
c 卫生站的医生老是请假，门口贴个纸条就关门
c 社区医院排队拿药要一个多小时
n 我有糖尿病，想每个月有人上门量一下血糖
n 我爸卧床好几年了，想请护士上门换药
s 建议社区卫生站晚上开到八点，上班族根本来不及
s 希望社区多办一些慢病管理的讲座
i 免费体检今年什么时候做？去年的通知太晚了
c 社区卫生站的药房经常缺胰岛素，要跑到区医院去拿
n 我最近老是睡不着，心情很差，社区有心理咨询吗
p 谢谢家庭医生王医生，每次打电话都耐心解答
i Can I get a flu shot at the community health centre without an appointment?
c The community clinic is always closed when I go there after work.
i 請問社區醫院週末有沒有醫生看診
n 俺血压高，每个月都要去大医院开药，能不能在社区开
c 社区医院的挂号系统又崩了😤
n! 我老婆突然肚子疼得在地上打滚，出了好多汗，救护车还没来，怎么办
n! 邻居家的老爷子晕过去了，嘴唇发紫，我们不会急救
n [hard_negative] 我爸上周晕倒过一次，医院说是低血压，想问问社区有没有上门随访
""".strip()
DATA["culture_sports"] = r"""
i 社区合唱团还招人吗？我退休了想参加
i 社区的羽毛球馆对外开放吗？按小时收费还是办月卡
n 想借社区的活动室办个读书会
s 建议社区每年办一次邻里运动会，比比跳绳拔河
s 希望社区图书室多进点儿童绘本
c 健身房的跑步机坏了好久，一直没修
c 广场舞的和打篮球的老是抢场地
p 中秋晚会办得太好了，邻居们都很开心
i 社区有没有免费的书法班？
i Is there a yoga or dance class in the community centre?
s 建议周末在广场放露天电影
n 俺们几个老姐妹想组个秧歌队，能借个地方排练吗
c 社区活动都是工作日白天，年轻人根本参加不了🙃
""".strip()
DATA["legal_mediation"] = r"""
n 楼上漏水泡坏了我家吊顶，他们不肯赔，想请社区调解
n 隔壁装修把我家墙打出了裂缝，他们说不关他们的事，能不能帮忙评评理
i 社区有免费的律师咨询吗？
i 签了租房合同，房东要提前收回房子，我能要求赔偿吗？
i 房东扣押金不退，我该找谁？
c 邻居在公共楼道装了个铁门，把过道占了
n 我和婆婆因为房子的事闹得很僵，想找调解员聊聊
i 遗产继承需要哪些手续？有没有免费咨询
n 对门邻居的空调外机正对我家卧室，沟通了几次都不改
i 工伤以后公司不给报销，社区的法律顾问能帮忙吗？
i My landlord is refusing to return my deposit. Where can I get legal advice?
n 喂 我跟楼下 因为漏水的事 吵了好久了 能不能帮忙调解
""".strip()
DATA["social_assistance"] = r"""
i 低保怎么申请？需要准备什么材料
i 遭了灾的家庭能申请哪些补助？我们家上个月房子被淹了
n 我失业了，孩子还要上学，家里快揭不开锅了
n 家里老人大病住院，医保报完还差很多，有医疗救助吗
c 低保审核拖了半年还没结果
i 困难家庭的孩子上大学有补助吗？
n 我们家是单亲，收入很低，能申请什么帮扶
p 谢谢社区送来的米和油，过年心里暖暖的
i Can low-income families get help with heating costs in winter?
n 俺儿子瘫在床上好几年了，俺也没收入，日子过不下去了
""".strip()
DATA["employment"] = r"""
i 附近的超市和物流园在招人吗？社区有没有对接的渠道
i 失业金在哪里申请？
n 我四十五岁，想学个手艺再就业，有免费培训吗
i 送外卖算不算就业？能不能办就业登记
s 建议社区多办几场招聘会，特别是适合宝妈的岗位
i 想开个网店卖家乡特产，社区有没有培训或者场地
n 我家孩子大专毕业在家待了一年，想让他学点技术，社区有没有推荐
i Are there any job fairs coming up in this district?
""".strip()
DATA["disability"] = r"""
c 单元门口只有台阶，我坐轮椅根本出不去
n 想申请残疾人辅具，轮椅坏了
i 残疾等级评定要去哪家医院？多久能拿到结果
c 盲道被电动车占满了
n 孩子是自闭症，想找康复机构
i 残疾人托养有补贴吗？
c 无障碍车位老是被普通车占
i Is there any support for people with hearing loss in the community?
""".strip()
DATA["participation"] = r"""
n 我是大学生，寒假想在社区做点服务，比如教老人用手机
i 居民议事会怎么参加？
s 建议成立一个楼栋互助群，谁家有事大家帮忙
s 想在小区里搞个闲置物品交换活动
i 社区公益项目怎么申报？
n 我们几个退休党员想组织一个巡逻队
i How can I volunteer at the community centre?
""".strip()
DATA["other"] = r"""
i 今天几号
c 宽带公司乱收安装费，客服也不理
i 附近哪里有好吃的
c 网购的东西坏了商家不退
i 有人值班吗
i 是真人在回复吗？
i 123
c 手机被偷了怎么办😭
i hello?
i 明天会下雨吗？
""".strip()
