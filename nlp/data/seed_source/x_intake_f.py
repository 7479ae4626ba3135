"""Training-only texts (added Dec 2026): foreign residents' English, older residents' speech, traditional characters."""
DATA = {}
DATA["facility_repair"] = r"""
c The hallway light on our floor went out last week and nobody has replaced the bulb.
c Our building's lift makes a grinding noise and shudders when it stops.
n There's a leak from the pipe under the stairs, the floor is always wet. Can it be fixed?
c The manhole cover near the playground is cracked and rocks when you step on it.
c Two of the exercise machines in the park are broken, one is missing a pedal.
i Can our old walk-up building get an elevator installed? Who do we talk to?
c 俺家楼道那个灯坏了个把月了，晚上黑咕隆咚的，俺拄着拐棍都不敢出门
c 我这老胳膊老腿的，住六楼，楼梯扶手还松了，你们给看看吧
c 人老了眼睛不好，楼下那个井盖翘着，我差点绊一跤，赶紧给弄弄
c 樓梯間的燈一直不亮，晚上上下樓很危險
c 社區健身器材壞了好幾個，一直沒人修
n 我們這棟老樓想裝電梯，要怎麼申請
""".strip()
DATA["environment"] = r"""
c The bins behind our building are overflowing and there are flies everywhere.
c Someone's air conditioner drips on our balcony all night long.
c The karaoke bar next door is loud until 2 am every weekend.
c People let their dogs poo on the lawn and never pick it up.
n Could the grass by the river path be cut? It's full of mosquitoes.
c 俺们楼下那堆垃圾都放了好几天了，臭烘烘的，俺这老鼻子都受不了
c 隔壁那个饭馆子油烟大得很，俺老婆子一开窗就咳嗽
c 老头我睡眠浅，楼上半夜乒乒乓乓的，一宿一宿睡不着
c 小區裡的狗屎到處都是，沒人清理
c 樓上裝修天天打電鑽，週末也不停
""".strip()
DATA["parking_traffic"] = r"""
c There are never enough parking spaces in the evening, I circle for half an hour.
c Delivery scooters race through the compound and nearly hit children.
i Is there a bus from here to the district hospital? The stop nearest us was removed.
n Our compound needs more e-bike chargers, people fight over the few that work.
c 我岁数大了，去医院得倒两趟公交，站台离得还远，走得腿疼
c 老汉我骑个三轮，小区里车停得满满当当，连个过的地方都没有
c 小區附近的公車站撤了，老人出門很不方便
""".strip()
DATA["property_management"] = r"""
c The property management office ignores our repair requests for weeks.
c We pay high property fees but the cleaners only come once a week.
i How can owners choose a different property management company?
c 物业那帮年轻人，俺去问个事，爱搭不理的，俺们交钱是白交的啊
c 我交了一辈子物业费，老了老了，喊他们来修个水龙头都喊不动
c 物業費年年漲，服務卻越來越差
""".strip()
DATA["safety"] = r"""
c Someone keeps leaving the main door propped open, anyone can walk in.
c Our neighbour stores gas cylinders on the balcony, it worries everyone.
i I received a call from someone claiming to be the police asking for money. Is it a scam?
c 俺家门口的楼道堆得满满的纸壳子，真要着个火，俺这腿脚跑都跑不了
c 小區的監控很多都壞了，電瓶車被偷了也查不到
""".strip()
DATA["elderly_care"] = r"""
n My mother is 88 and lives alone. Could someone from the community check on her weekly?
i How much does the community canteen for elderly people cost per meal?
n My father has Parkinson's and needs help bathing. Is there a home care service?
c The home care worker sent by the community only stayed twenty minutes.
n 俺老伴走了以后，俺一个人吃饭都没个滋味，社区那个老年饭桌能不能给俺送饭上门
n 我七十好几了，子女都在外地，想有个人隔三岔五来家里看看
c 养老院那边说排队要等两年，俺哪等得起哟
n 我媽媽八十多歲了，想申請居家養老服務
i 社區的日間照料中心怎麼收費
""".strip()
DATA["child_youth"] = r"""
n We're looking for after-school care for our 7-year-old until 6 pm.
i Is there a playgroup for toddlers in the community?
c The slide in the kids' play area has a crack and a sharp edge.
n 俺孙子放了学没人管，俺腿脚不利索接不动，社区有没有能托管的
i 暑假社區有沒有給小學生的托管班
""".strip()
DATA["health"] = r"""
i Do I need to register in advance to see the community doctor?
n My husband has diabetes and needs regular check-ups. Can a family doctor visit us?
i Where can my baby get vaccinated? We just moved here.
c 俺这个血压老是高，社区卫生站的药常常断货，还得跑城里大医院
n 我老头子卧床好几年了，身上长了褥疮，想请个护士上门来看看
i 社區衛生站可以量血壓嗎？要不要錢
""".strip()
DATA["convenience"] = r"""
i Where can I get my passport photos taken and documents copied nearby?
n My washing machine is broken and I don't know a repair service. Any recommendations?
i Can I pay my water bill at the community centre?
n 俺不会摆弄那个手机，交电费交不上，社区能不能有人帮俺弄一下
i 辦理戶籍證明需要帶什麼？
""".strip()
DATA["culture_sports"] = r"""
i Are there any table tennis or badminton groups I could join in the evenings?
p The Lantern Festival party at the community centre was wonderful.
n 俺们几个老伙计想唱唱京剧，社区能不能给个屋子
i 社區有沒有書法或者國畫班
""".strip()
DATA["legal_mediation"] = r"""
n My upstairs neighbour's bathroom leaks into our ceiling and they refuse to fix it.
i Where can I get free advice about a dispute with my landlord?
n 俺儿子儿媳妇不让俺住老房子了，俺想找个懂法的说道说道
n 鄰居的狗天天叫，溝通了好幾次都沒用，想請社區調解
""".strip()
DATA["social_assistance"] = r"""
n My husband is in hospital and I can't pay the bills. Is there emergency support?
i Who qualifies for the minimum living allowance?
n 俺家老头子瘫了，俺没工作，看病钱都凑不出来，求社区帮帮
i 請問低保怎麼申請？
""".strip()
DATA["employment"] = r"""
i Are there any job training courses for people over 40?
n I'm a foreign spouse looking for work. Does the community help with job searches?
i 社區有沒有技能培訓班？我想學一門手藝
""".strip()
DATA["disability"] = r"""
c There's no ramp at our building entrance and my wheelchair can't get in.
i Where can I borrow a wheelchair for a few weeks after surgery?
c 盲道上停滿了自行車，視障人士根本沒法走
""".strip()
DATA["participation"] = r"""
n I'd like to help organise a neighbourhood clean-up. Who should I contact?
s 建議社區成立一個鄰里互助小組
""".strip()
DATA["other"] = r"""
i Which supermarket around here delivers at night?
c 我的快遞被送錯了地址
""".strip()
