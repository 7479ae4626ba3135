DATA = {}
DATA["facility_repair"] = r"""
c! 楼道里的电线已经冒火花半小时了，打了物业三个电话都没人来，你们到底管不管！
c! 电梯困人二十分钟了，维保电话一直占线，物业说没办法，里面是个孕妇！
c! 小区地下室积水已经淹到配电箱了，物业还说等明天再处理，这是要出人命的
""".strip()
DATA["safety"] = r"""
c! 煤气味都飘了一个多小时了，燃气公司说在路上，到现在还没人来，楼里还有孩子
c! 楼上又在往下扔东西，刚才一块铁片砸在我脚边，人还在阳台上扔，保安就在旁边看着不管
c! 隔壁工地的塔吊在大风里晃得厉害，吊着的钢筋就在小区上空，工人还在干活，没人管吗
c! Gas smell in the stairwell for an hour now and nobody from the gas company has come. There are kids in this building!
""".strip()
DATA["environment"] = r"""
c! 垃圾站的火已经烧了十几分钟了，保安拿个小灭火器根本不管用，旁边就是车棚，你们快点
""".strip()
