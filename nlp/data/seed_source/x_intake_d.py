"""Training-only texts (added Dec 2026): boundary cases by the labelling rules, English and traditional writing."""
DATA = {}
DATA["facility_repair"] = r"""
c 车库入口的抬杆坏了，一直竖着不放下来，外面的车都开进来了
c 停车场出口的道闸砸到了我的车顶，系统失灵了
n 小区东门的栏杆机不识别车牌了，麻烦派人修一修
c 门口的起落杆卡住了，保安只能手动摇
c 单元楼的对讲门铃按了没反应，访客只能打电话
c 楼道里的老电线外皮都裂了，开关一按就冒火星子，赶紧换吧
n 能不能给我们老楼换一下楼道的线路，灯老是一闪一闪
c 楼梯扶手晃得厉害，老人不敢扶
c 地下室的防水门关不上了，一下雨水就往里灌
c 公共水龙头的开关坏了，一直关不紧
c 小区路面的盖板翘起来了，晚上自行车压上去很危险
c The barrier at our car park exit is broken and stays up all day.
c The intercom at our building entrance hasn't worked for two weeks.
n Could someone replace the handrail on the stairs? It came loose.
c The lift door closes on people, the sensor doesn't work.
c 電梯的按鈕壞了好幾個，按了沒反應
c 樓頂漏水，下雨天家裡天花板一直滴
c 單元門的鎖壞了，關不上
""".strip()
DATA["parking_traffic"] = r"""
c 车棚的充电桩有一半扫不了码，显示离线
c 充电口烧坏了两个，运营公司电话打不通
n 充电设备老是坏，能不能换一家公司来维护
c 小区里有两辆报废的面包车，停了三年都没人挪
c 路边的消防通道天天停满私家车，画了黄线也没用
c 公交站牌上的时刻表被撕了，也没人补
i 老年人坐公交免费要办什么卡？在哪里办
c 三轮车和电动车在人行道上逆行，行人只能让
c 小区门口的减速带太高了，底盘都刮了
n 请在我们楼后面增加几个电动车停放点，现在都停到草坪上了
c e-bike chargers in our shed keep going offline and the app still takes money
c Nobody moves the abandoned van parked by the gate, it's been there for years.
i How do I apply for a monthly parking space in the compound?
c Cars block the fire lane every night, an ambulance couldn't get through.
c 充電樁壞了一半，電瓶車充不上電
c 公車改線以後，最近的站要走二十分鐘
""".strip()
DATA["safety"] = r"""
c 楼梯间的应急灯全坏了，停电的时候伸手不见五指
c 楼道的安全出口指示灯不亮了
c 有人把电动车推进楼道充电，插座就在楼梯口
c 有人从高楼往下扔烟头，落到了楼下晾的被子上
c 小区监控好多是摆设，根本没在录
i 家里的烟感报警器老是误报，怎么处理
c People charge e-bikes in the stairwell all night, the cables run across the steps.
c Someone throws things out of the window from upstairs, a bottle nearly hit my son.
c 樓道堆滿雜物，消防通道都堵死了
c 有人在樓道裡給電瓶車充電，很危險
""".strip()
DATA["environment"] = r"""
c 楼道里天天有人抽烟，烟味顺着门缝钻进来
c 垃圾桶边上有人扔了一堆旧床垫，放了半个月了
c 下水口一股臭鸡蛋味，夏天更严重
c 楼下晒鱼干晒了一整条路，腥得很
c 小区池塘的水发臭，漂着一层绿藻
c 有人在空地上烧垃圾，黑烟滚滚
c 树长得太高挡住了我家阳光，想请人修剪一下
c 花坛里的月季全枯死了，剩下一堆杂枝，也没人换新的
c 邻居在绿化带里种菜还浇粪水
c The pond in our compound is green and smells in summer.
c Someone keeps burning rubbish on the empty lot behind our building.
c People smoke in the stairwell and the smell comes into our flat.
n Could someone trim the trees outside our window? They block all the light.
c 小區的樹很久沒修剪了，擋住了窗戶
c 樓下的垃圾桶滿了也沒人清
""".strip()
DATA["convenience"] = r"""
c 小区门口的自助售水机坏了一个月，也没人来修
i 社保认证每年什么时候做？不会用手机怎么办
n 我家燃气灶打不着了，也没有气味，想找个师傅看看
n 机顶盒不会弄，电视看不了，能不能有人上门帮忙
i 辦居住證需要帶哪些材料？
i 請問社區能幫忙代收快遞嗎
i Can the community centre help me fill in government forms?
i Where can I get a copy of my household register?
""".strip()
DATA["health"] = r"""
n 想给行动不便的老人预约上门体检
i 办居住证要的体检在哪里做？
c 附近一个药店都没有，买个创可贴都要坐车
n 家里有精神障碍的病人，最近情绪不好，需要医生指导
s 建议每个季度组织一次义诊，量量血压测测血糖
i Does the community clinic do blood tests, or do I have to go to the hospital?
n My mother needs a nurse to change her dressing at home. Is that possible?
i 請問社區醫院可以打流感疫苗嗎
""".strip()
DATA["legal_mediation"] = r"""
i 物业能不能因为欠物业费停我家的水电？这合法吗
n 业主和物业闹了半年，想请社区出面主持个协商会
n 隔壁把空调排水管接到我家墙上，墙都泡发霉了，说了好几次不改
i 公司不给签劳动合同，我能去哪里投诉
c 二手房卖家隐瞒了漏水，现在不认账
i Can the community help mediate a dispute with my neighbour about noise?
i My employer fired me without paying my last salary. What can I do?
n 我和鄰居因為停車位吵了很久，想請調解員幫忙
""".strip()
DATA["social_assistance"] = r"""
i 失业以后医保断缴了，能不能申请补助续上
n 这个月房租交不起了，有没有临时救助
i 低保家庭看病能减免多少？
n 家里老人瘫痪，我下岗在家照顾，没有收入
i I lost my job last month. Is there any financial help for families like mine?
n We can't afford my son's school fees this term. Is there any assistance?
i 請問臨時救助需要什麼證明材料
""".strip()
DATA["employment"] = r"""
n 我五十多了，想找个看门或者保洁的活
i 听力不好的人能做什么工作？社区能帮忙联系单位吗
n 想学个月嫂，社区有没有培训班
i 下岗再就业有什么优惠政策？
n I used to be a chef and want a kitchen job nearby, can the community recommend employers?
i Are there any free computer courses for job seekers?
i 請問社區有沒有招聘資訊
""".strip()
DATA["culture_sports"] = r"""
i 书法班还招人吗？我想报名
p 元宵节的灯谜会办得很热闹，明年还要来
i 有没有给外国人的国画或者太极课？
c 活动室的投影仪坏了，观影活动只好取消
i Are there any weekend painting or music classes for adults?
p The Mid-Autumn concert last week was lovely, thank you to everyone who organised it.
i 社區的合唱團什麼時候排練？
""".strip()
DATA["child_youth"] = r"""
i 周末有没有给青少年的活动？孩子在家只玩手机
s 建议周末把社区图书室开放给孩子们写作业
i 家庭教育讲座下次什么时候办？
i My 14-year-old spends every weekend on his phone. Anything for kids his age to join, like sports or robotics?
n My daughter needs help with homework after school. Is there a tutoring programme?
c 小區遊樂場的設施壞了好幾個，孩子沒地方玩
""".strip()
DATA["elderly_care"] = r"""
i 家庭养老床位需要准备什么材料？
c 老人被推销保健品的骗了好几万，那些人天天在门口送东西
i 长者食堂是不是停办了？以后还开吗
s 建议老年食堂增加几样软一点的菜
i Is there a meal delivery service for elderly people who live alone?
n My father has dementia and wanders off. Can the community help us?
i 請問老年食堂一餐多少錢？
""".strip()
DATA["property_management"] = r"""
c 物业把门禁换成了人脸识别，老人录不进去，天天进不了门
n 我们楼想成立一个业主自管小组，监督物业，需要社区支持
c 物业说门禁坏了要业主自己出钱修，这合理吗
c The property company replaced the gate with face recognition and my parents can't get in.
c 物業的人態度很差，報修了也不來
""".strip()
DATA["participation"] = r"""
n 我会英语，想当志愿者教孩子们
s 我想发起一个读书会，每月一次，谁愿意一起
n 我们楼想选个楼长，大家有事好商量
i Can residents propose their own projects to the community? How?
""".strip()
DATA["other"] = r"""
c 游戏账号被封了，找谁申诉
c 快递公司把我的包裹弄丢了还不赔
i 帮我查一下今天的油价
i what's the weather tomorrow
c 網購的東西一直不發貨
""".strip()
