"""Training-only texts in the voices of real intake (added Dec 2026): parking, property, safety, convenience."""
DATA = {}
DATA["parking_traffic"] = r"""
c 小区道路两边停满了车，早上送孩子出门要绕半天
c 有人把车停在单元门口，堵得轮椅出不去
c 外面的车随便开进小区停，业主回来反而没位置
c 电动车充电桩只有八个，三百多户，天天抢
n 我们这边想多装一些电瓶车充电的插座，现在都往楼上拉线
c 充电桩坏了好几个，扫码扣了钱却充不上电
c 地库的车位被人用杂物占着，说是他家的
c 公交站离小区太远了，老人走过去要二十分钟
s 建议在学校门口划几个临时停车位，放学时太堵了
s 能不能在小区门口设一个公交站，附近几个小区都没有
i 月租车位怎么申请？要带什么材料
i 小区的访客车辆停车收费吗？
c 小区出口正对着一个急弯，出来的车根本看不见对面的车
c 有辆车在消防通道停了一个月，车身落满灰
c 共享单车把人行道堵得严严实实，推婴儿车过不去
c 外卖电动车在小区里横冲直撞，差点撞到我家孩子
c 货车每天早上在小区门口卸货，整条路都被堵住
c 小区新划的车位太窄，车门开不开
c 夜里有人在小区主路上飙车，轰隆隆的
c 地面停车位画线不清楚，大家乱停，谁也出不去
n 希望能给残疾人家庭预留一个离楼门近的车位
c 地铁站出口没有非机动车停放区，车子乱七八糟
c 公交车改线以后，我们这边早上一个小时才一班
i 电动车充电棚什么时候能建好？说了半年了
c 车库入口的坡道太陡，下雨天车打滑
c 小区门口的斑马线都磨没了，车也不让人
c 出租车和网约车在小区门口乱停接人，堵路
s 建议在小区里装几个减速带，车开得太快了
c there are never any parking spaces after 7 pm in our compound
c People park on the pavement outside our gate and we have to walk in the road.
n Please add a covered shelter for e-bikes, ours get soaked every time it rains.
c The bus stop was moved and now it's a 15-minute walk.
c 停车位被僵尸车占了快两年，轮胎都烂了
c 充电桩扫码半天没反应😡钱倒是扣了
c 喂 有人把车横在我家车库门口 我出不去了 打电话也不接
c 嗯 我想问问 那个 小区里的车位 能不能租给外面的人
c 俺们这片老人多，公交站撤了以后去趟医院要倒两回车
c 小區停車太亂了，消防車根本進不來
""".strip()
DATA["property_management"] = r"""
c 物业费年年交，小区环境一年比一年差
c 物业前台的人态度很冲，问两句就不耐烦
c 报修三次了，物业每次都说马上派人，结果一个星期都没来
c 物业把公共绿地改成了收费停车位，也没开业主大会
c 小区保洁每周才扫一次，楼道里全是灰
c 保安晚上在岗亭里打游戏，外卖随便进
c 物业擅自提高停车管理费，没有任何公示
c 物业公司换了新的，交接的时候很多资料都丢了
c 业委会和物业关系太好了，业主的意见根本没人听
c 物业收了公共收益，电梯广告费、场地租金，从来不公开
c 物业客服电话打十次有八次没人接
c 物业不开发票，说要加税点
c 物业的维修师傅乱收费，换个灯泡收五十块
n 希望物业能把每个月的工作安排公示出来
n 我们楼想找物业协商一下保洁时间，现在正好在上班高峰拖地
s 建议物业开通线上报修，现在只能打电话，还经常占线
s 建议业委会每季度开一次业主见面会
i 物业费欠了会不会影响孩子上学？物业这么说的
i 业委会成员怎么选出来的？我们怎么没收到通知
i 小区的维修基金还剩多少钱，在哪里能查到？
i 物业合同什么时候到期？业主能不能投票换掉
c 物业经理说话不算数，答应的事从来不兑现
c 小区门口保安不管事，推销的、发传单的随便进
c 物业没经过业主同意就在小区里装了广告屏
c 绿化养护外包给了别人，结果树都死了，物业说不归他们管
c 物业强行要求我们交装修保证金五千块
c 物业每年都说要涨价，服务却一点没提高
c 物业把小区的活动室租给了培训机构
c the property management company never answers our complaints
c Our building manager charges extra fees that were never explained.
s The property company should publish their accounts every year.
c 物页的人天天推脱，说这不归他们管那不归他们管
c 物业费涨了还不干活🙄保洁都少了一个
c 喂 物业那边 说好的今天来修 等了一天也没来 电话也不接
c 我们老两口交了十几年物业费，楼道灯坏了半年都没人修
c 物業經理換了一個又一個，問題一個都沒解決
""".strip()
DATA["safety"] = r"""
c 楼道里堆满了纸箱旧家具，消防通道都堵了
c 有人在楼道里给电动车充电，电线从三楼吊下来
c 小区的消防栓好多都是空的，水带都不见了
c 楼上有人往下扔垃圾袋，差点砸到我
c 小区里最近丢了好几辆电瓶车，监控还是坏的
c 有陌生人天天在小区里转悠，还拍照，不知道想干什么
c 单元门的门禁坏了，谁都能进楼
c 地下车库的灯全坏了，晚上女生一个人不敢去
c 有人在阳台上用液化气罐烧饭，楼里其他人担心得很
c 消防箱的玻璃碎了，里面的水枪头被人拿走了
c 后门的铁栅栏被人剪开了一个口子，晚上常有人翻进来
c 楼下有人晚上聚在一起喝酒闹事，还摔酒瓶
i 家里老人天天接到推销电话，说是医保卡要升级，这是不是诈骗？
i 燃气热水器装在卫生间里安全吗？要不要改
i 社区能不能来检查一下我们楼的消防设施？
s 建议在电梯里装个阻止电动车进入的装置
s 建议小区多装几个监控，尤其是车棚和后门
s 希望物业晚上能多巡逻几次，最近不太平
c 小区消防通道被私家车占满，上次救护车都进不来
c 有人在楼道里私拉电线，插线板就放在地上
n 我家老人独居，想装一个烟雾报警器，社区有没有免费的
c there's a man who keeps following women near the back gate at night
c People store petrol cans in the basement, that's really dangerous.
i Is it safe to charge an e-bike battery inside the flat?
c 楼上熊孩子往下扔东西，今天扔了个玻璃瓶，碎了一地😱
c 那个 车棚里 好多电瓶车 一起在充电 线乱七八糟的 怕出事
c 俺听说最近有人冒充燃气公司上门收钱，俺们老人咋分辨
n! 楼道里烟很大，不知道哪家着火了，我们现在往楼下跑
n! 燃气管道被挖断了，味道特别冲，整条街都能闻到，快来人
n! 有个男的拿着棍子在砸我家门，说要进来，我在屋里不敢出声
n! 电瓶车在单元门口烧起来了，火窜到二楼了
n! Someone is trying to break into the flat next door right now, I can hear the lock being forced.
n! 喂 快来 车库里一辆车在冒烟 越冒越大 里面好像有人
s [hard_negative] 去年冬天小区着过一次火，建议每栋楼都配齐灭火器
i [hard_negative] 上次燃气泄漏演练是怎么安排的？这次我们楼想参加
p [hard_negative] 前天楼下配电箱冒火花，电工半小时就来修好了，谢谢物业
s [hard_negative] 万一电梯里着火了应该怎么办？建议社区做个宣传
c [hard_negative] 上个月有人在楼道里烧纸差点引起火灾，现在又有人在烧
""".strip()
DATA["convenience"] = r"""
i 居住证明在社区开还是派出所开？
i 办老年卡需要带户口本吗？
i 社区能不能帮忙开一下无犯罪证明？
i 出生证明丢了在哪里补办？
i 社区有没有代办社保卡的服务？
i 附近有没有修自行车的？
i 哪里可以交水电费？我不会用手机
n 家里洗衣机漏水，社区有没有推荐的维修师傅
n 我家抽油烟机不转了，想找个靠谱的师傅来修
n 想找个钟点工每周来打扫两次
c 附近的菜店都关了，买菜要坐三站公交
c 快递员从来不送上楼，打电话让我们自己下去拿，老人腿脚不便
c 社区服务中心的窗口经常没人，等了半天
c 小区唯一的早餐店搬走了，上班族早上没地方买吃的
c 办个证明跑了三趟，每次都说缺材料，不能一次说清楚吗
s 建议社区服务站周末也开门，上班族平时来不了
s 建议在小区里设个便民修理点，修鞋、配钥匙、修雨伞
s 希望社区引进一个平价超市
n 我眼睛不好，医保报销的单子看不懂，能不能有人帮我填一下
n 能不能帮我代收一下快递？我白天上班不在家
i 社区有复印打印的地方吗？
i 办理独生子女证在哪里？
i where can I get a residence certificate? I need it for my child's school
n Is there anyone who can help me fix my water heater? The landlord won't.
i Do I need an appointment to get documents stamped at the community office?
i 請問社區可以開居住證明嗎？需要什麼材料
i 喂 我想问一下 那个 老年优待证 在哪儿办
c 快递驿站的老板态度好差，取个件还要被骂🙄
i 俺家的电视机顶盒坏了，社区能不能找人来看看
""".strip()
