"""Assemble hand-written seed requests into nlp/data/seed_{train,test}.jsonl.

Line format in d_*.py:  <kind>[!] [@category] [[style]] text
  kind: n need, c complaint, s suggestion, i inquiry, p praise; '!' marks urgent.
  @category overrides the block's category (used for boundary re-labels).
  {C} -> invented compound name, {B} -> building/unit.

x_*.py (same format) hold training-only texts written in the voices of real intake: they are
appended to seed_train.jsonl without variants, after the d_*.py split, which they leave byte
for byte as it was. A text close to one of the independent evaluation splits (nlp/data/eval:
character-trigram Jaccard above 0.35, or 60 % of the shorter text's trigrams in the other)
stops the build; the message names the evaluation file, line, id and similarity, never its text.
"""
import collections
import glob
import importlib
import json
import os
import random
import re
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.dirname(HERE)
SEED = 20261123
rng = random.Random(SEED)

CATS = ["elderly_care", "child_youth", "disability", "health", "facility_repair", "environment",
        "parking_traffic", "safety", "culture_sports", "employment", "legal_mediation",
        "social_assistance", "property_management", "convenience", "participation", "other"]
KINDS = {"n": "need", "c": "complaint", "s": "suggestion", "i": "inquiry", "p": "praise"}

COMPOUNDS = """锦绣花园 丹桂苑 翠湖湾 春晖小区 东篱新村 和美家园 枫林雅居 望江名苑 金桥新村 南苑二村 幸福里
梧桐花园 清河小区 碧水云天 御景湾 康乐新村 朝阳里 紫荆苑 银杏小区 柳岸晓风 桃源居 文昌花园 新华坊 石榴苑
听涛小区 龙湖春江 滨河家园 松鹤新村 晨光里 长青苑 玉兰花园 嘉禾小区 北辰公寓 东湖一村 西园新村 香樟园
盛世华庭 明珠苑 红星二村 工人新村 纺织厂宿舍 铁路新村 建设里 光明小区 福寿园 海棠湾 云栖雅苑 静安里
天鹅湖小区 金色家园 怡和苑 青石巷小区 学府花园 悦城 锦江之星公寓 南湖春晓 河畔人家 白鹭洲小区""".split()
BUILDINGS_FMT = ["{n}栋", "{n}号楼", "{n}幢", "{n}栋{u}单元", "{n}号楼{u}单元", "{n}幢{u}单元"]
BUILDINGS_EN = ["Building {n}", "Block {n}", "building {n}"]


def building(en=False):
    n = rng.randint(1, 32)
    if en:
        return rng.choice(BUILDINGS_EN).format(n=n)
    return rng.choice(BUILDINGS_FMT).format(n=n, u=rng.randint(1, 4))


def is_english(t):
    letters = sum(ch.isascii() and ch.isalpha() for ch in t)
    cjk = sum("\u4e00" <= ch <= "\u9fff" for ch in t)
    return cjk == 0 and letters > 3


LINE = re.compile(r"^([ncsip])(!?)\s+(?:@(\w+)\s+)?(?:\[(\w+)\]\s+)?(.+)$")


def load(pattern="d_*.py", rng=rng, style=None):
    """Hand-written records of the files matching `pattern`; `style` tags those without an explicit one."""
    default_style = style
    sys.path.insert(0, HERE)
    recs = []
    for f in sorted(glob.glob(os.path.join(HERE, pattern))):
        mod = importlib.import_module(f.split("/")[-1][:-3])
        for cat, block in mod.DATA.items():
            assert cat in CATS, cat
            for ln in block.splitlines():
                ln = ln.strip()
                if not ln:
                    continue
                m = LINE.match(ln)
                assert m, (f, ln)
                k, bang, over, style, text = m.groups()
                style = style or default_style
                en = is_english(text)
                text = text.replace("{C}", rng.choice(COMPOUNDS) if not en else "").replace(
                    "{B}", building(en))
                text = re.sub(r"\s{2,}", " ", text).strip()
                c = over or cat
                assert c in CATS, c
                if not style:
                    if en:
                        style = "english"
                    elif len(text) >= 200:
                        style = "long_letter"
                    elif len(text) <= 18:
                        style = "short"
                    elif not re.search(r"[，。！？、；,.!?]", text):
                        style = "voice_no_punct"
                    elif re.search(r"[\U0001F300-\U0001FAFF]", text):
                        style = "emoji"
                    else:
                        style = "plain"
                recs.append(dict(text=text, category=c, kind=KINDS[k], urgent=bool(bang),
                                 style=style, src=f.split("/")[-1]))
    return recs


# ---------------------------------------------------------------- light variation
HOMOPHONES = [("电梯", "电题"), ("楼道", "楼到"), ("物业", "物页"), ("维修", "维休"), ("垃圾", "拉圾"),
              ("已经", "以经"), ("现在", "线在"), ("麻烦", "麻凡"), ("反映", "反应"), ("小区", "小去"),
              ("路灯", "路登"), ("漏水", "露水"), ("充电", "冲电"), ("检查", "检察"), ("安装", "按装"),
              ("帮忙", "邦忙"), ("希望", "西望"), ("老人", "老仁"), ("社区", "设区"), ("申请", "申情"),
              ("燃气", "燃汽"), ("煤气", "媒气"), ("停车", "亭车"), ("邻居", "林居"), ("噪音", "燥音"),
              ("投诉", "头诉"), ("请问", "情问"), ("在家", "再家"), ("厉害", "利害"), ("部门", "不门"),
              ("电动车", "电东车"), ("卫生", "卫声"), ("服务", "服物"), ("报名", "抱名"), ("活动", "活东"),
              ("情况", "清况"), ("处理", "处里"), ("问题", "问提"), ("马上", "马尚"), ("一直", "一值"),
              ("师傅", "师父"), ("楼上", "楼伤"), ("晚上", "晚伤"), ("补贴", "补帖"), ("预约", "预月"),
              ("志愿者", "志原者"), ("低保", "低宝"), ("心理", "新理"), ("医生", "医声"), ("培训", "陪训")]
SLANG = [("孩子", "孩纸"), ("一下", "一哈"), ("怎么", "咋么"), ("没有", "木有"), ("什么", "神马"),
         ("这样", "酱紫"), ("喜欢", "稀饭"), ("谢谢", "3q")]
FILLERS_URGENT_START = ["快来人 ", "喂喂 ", "救命啊 ", "快点 ", ""]
FILLERS_URGENT_END = [" 快点", " 快来啊", " 求求你们了", ""]
FILLERS_END_KIND = {"need": [" 拜托了", " 麻烦了", " 谢谢啊", ""], "complaint": [" 你们管不管", " 就这样", " 赶紧处理一下", ""],
                    "inquiry": [" 谢谢", " 请回复一下", ""], "suggestion": [" 就这些", " 你们考虑一下", ""],
                    "praise": [" 谢谢你们", " 真的很感谢", ""]}
FILLERS_START = ["喂 你好 ", "那个 ", "我说一下啊 ", "嗯 就是 ", "你好你好 ", "就是那个 ", "哎 ", ""]
FILLERS_END = [" 就这样", " 好吧", " 谢谢啊", " 拜托了", " 你们看一下", ""]
PUNCT = r"[，。！？、；：,.!?;:“”\"'（）()…—~～]+"
EMOJI = {"need": "🙏🙏🥺😭🙏", "complaint": "😡😤🙄💢😠", "suggestion": "💡🙂👍😊",
         "inquiry": "🤔❓🙋😅", "praise": "👍❤️🌹😊👏🎉"}
EMOJI_URGENT = ["🆘", "😱", "‼️", "🆘🆘", "😭😭"]
PINYIN = [("物业", "wuye"), ("电梯", "dianti"), ("社区", "shequ"), ("小区", "xiaoqu"), ("快递", "kuaidi"),
          ("停车", "tingche"), ("垃圾", "laji"), ("老人", "laoren"), ("孩子", "haizi"), ("谢谢", "xiexie"),
          ("麻烦", "mafan"), ("楼道", "loudao"), ("路灯", "ludeng"), ("低保", "dibao"), ("噪音", "zaoyin"),
          ("志愿者", "zhiyuanzhe"), ("广场舞", "guangchangwu"), ("居委会", "juweihui"), ("邻居", "linju"),
          ("报名", "baoming"), ("网格员", "wanggeyuan"), ("医生", "yisheng"), ("老年", "laonian"),
          ("投诉", "tousu"), ("工作", "gongzuo"), ("活动", "huodong"), ("申请", "shenqing")]
MIXED = [("尽快", "ASAP"), ("赶紧", "ASAP"), ("谢谢", "thx"), ("麻烦", "pls"), ("问题", "issue"),
         ("活动", "activity"), ("预约", "book"), ("信息", "info"), ("周末", "weekend"), ("老师", "teacher"),
         ("工作", "job"), ("手机", "phone"), ("小程序", "mini program"), ("群里", "group里"),
         ("建议", "suggest"), ("好的", "OK"), ("视频", "video"), ("电梯", "lift"), ("物业", "property"),
         ("快递", "package"), ("打卡", "check in"), ("下班", "off work")]
S2T = dict(zip(
    "区电楼灯坏门车这个们没还会说对时为问题请让从么吗儿孙爷妈来里后经过给帮务业费员应该处办难边两开关长无与见现实际发头买卖饭养护疗医药诊级线网话机报气烧灭险听样脑动运乐图书馆队场广声响环卫脏虫绿树辆桩锁监盗骗诈钱银贷证补贴残轮劳职训练导调纠纷邻东协议师诉讼临济学质态递点愿组织项专层单号栋园湾丽华龙凤阳阴风云热温湿压换装设备谁几岁万块钟闹脚体检签约预针种饮厅顾独进远尽赶紧伤晕烟灾冲烦谢领觉准亲爱欢节庆戏剧艺术娱积极压扫厨余厕厂产业饰钥规划扰噪闻惯丢挂记录购货归习须饿够视观讲读写读课宝贝婴厌仅网络评价错误总虽严岗刚强状况轻减适让础识厉庄妇齐乱泪满湾况维济纲纸验汤仓灯缴载",
    "區電樓燈壞門車這個們沒還會說對時為問題請讓從麼嗎兒孫爺媽來裡後經過給幫務業費員應該處辦難邊兩開關長無與見現實際發頭買賣飯養護療醫藥診級線網話機報氣燒滅險聽樣腦動運樂圖書館隊場廣聲響環衛髒蟲綠樹輛樁鎖監盜騙詐錢銀貸證補貼殘輪勞職訓練導調糾紛鄰東協議師訴訟臨濟學質態遞點願組織項專層單號棟園灣麗華龍鳳陽陰風雲熱溫濕壓換裝設備誰幾歲萬塊鐘鬧腳體檢簽約預針種飲廳顧獨進遠盡趕緊傷暈煙災衝煩謝領覺準親愛歡節慶戲劇藝術娛積極壓掃廚餘廁廠產業飾鑰規劃擾噪聞慣丟掛記錄購貨歸習須餓夠視觀講讀寫讀課寶貝嬰厭僅網絡評價錯誤總雖嚴崗剛強狀況輕減適讓礎識厲莊婦齊亂淚滿灣況維濟綱紙驗湯倉燈繳載"))


S2T.update({p[0]: p[1] for p in """众眾 优優 传傳 价價 佣傭 侧側 俩倆 债債 储儲 兴興 农農 冻凍 净淨 凉涼 则則 刘劉 创創 别別 劝勸 势勢 历歷 县縣 参參 双雙 变變 叶葉 启啟 哑啞 团團 围圍 垫墊 墙牆 复復 夹夾 奖獎 宁寧 实實 审審 宫宮 宽寬 寻尋 将將 尔爾 尘塵 属屬 岛島 带帶 库庫 废廢 异異 弃棄 张張 弹彈 当當 录錄 彻徹 径徑 忆憶 怀懷 恶惡 惊驚 愤憤 战戰 户戶 扑撲 执執 扩擴 扬揚 抚撫 抢搶 担擔 拥擁 拦攔 择擇 挡擋 挤擠 挥揮 损損 据據 摄攝 摆擺 数數 断斷 旧舊 显顯 晒曬 晓曉 暂暫 杀殺 杂雜 权權 条條 杨楊 构構 柜櫃 标標 栏欄 桥橋 欧歐 毁毀 汇匯 汉漢 沟溝 泼潑 洁潔 洒灑 浅淺 测測 浓濃 涂塗 涨漲 润潤 渐漸 滚滾 灵靈 炉爐 烂爛 牵牽 犹猶 狱獄 画畫 畅暢 疯瘋 痒癢 瘫癱 盖蓋 盘盤 盏盞 矿礦 码碼 砖磚 确確 碍礙 礼禮 祸禍 离離 称稱 税稅 穷窮 窝窩 竞競 笔筆 简簡 粮糧 红紅 纪紀 纯純 纳納 细細 终終 绑綁 结結 绕繞 绘繪 绝絕 统統 继繼 绩績 续續 绵綿 缓緩 编編 缘緣 罚罰 罗羅 联聯 肃肅 胀脹 腊臘 艰艱 苏蘇 获獲 营營 虑慮 览覽 许許 论論 访訪 详詳 语語 谈談 负負 贡貢 财財 责責 败敗 贵貴 资資 赔賠 赚賺 赞讚 跃躍 践踐 轨軌 转轉 软軟 较較 输輸 达達 迁遷 违違 连連 迟遲 选選 遗遺 邮郵 释釋 钓釣 钢鋼 铁鐵 铺鋪 链鏈 销銷 锅鍋 锈鏽 锻鍛 镇鎮 闭閉 闲閒 间間 阀閥 阅閱 陆陸 陈陳 随隨 隐隱 雾霧 韩韓 页頁 顶頂 顺順 频頻 颜顏 飞飛 饱飽 驾駕 骑騎 鱼魚 鸟鳥 鸡雞 鸭鴨 鸽鴿 黄黃 龄齡 户戶 岗崗 协協 属屬 虾蝦 肠腸 侨僑 厢廂 厦廈 厨廚 县縣 叹嘆 吓嚇 吗嗎 呜嗚 响響 咙嚨 唤喚 喷噴 嘱囑 団團 坛壇 坝壩 坟墳 垄壟 尸屍 屉屜 岭嶺 帘簾 庙廟 庞龐 应應 怜憐 恳懇 悦悅 惩懲 懒懶 拣揀 挣掙 捡撿 换換 揽攬 搀攙 携攜 摊攤 撑撐 敛斂 晕暈 朴樸 杆桿 枣棗 栋棟 档檔 梦夢 椭橢 毕畢 沪滬 泪淚 浆漿 浇澆 涛濤 渔漁 湿濕 溃潰 滨濱 灶竈 烛燭 烫燙 牺犧 状狀 猫貓 猪豬 琐瑣 疮瘡 皑皚 盐鹽 睁睜 矫矯 祷禱 秃禿 窃竊 筛篩 筑築 类類 紧緊 绳繩 缆纜 罢罷 艳豔 茧繭 荐薦 荣榮 药藥 虫蟲 蚁蟻 蛮蠻 衬襯 袄襖 觅覓 誉譽 诚誠 诱誘 谊誼 谣謠 贪貪 贫貧 贯貫 贸貿 赌賭 赵趙 趋趨 踪蹤 躯軀 轰轟 辞辭 迹跡 递遞 逻邏 郑鄭 酝醞 酱醬 钉釘 钩鉤 钻鑽 铃鈴 铜銅 铝鋁 银銀 锤錘 镜鏡 闪閃 闯闖 阁閣 阵陣 陕陝 隶隸 鸣鳴 麦麥 黾黽 齿齒 篮籃 赛賽 钮鈕 苹蘋 厘釐 妆妝 拨撥 织織 紧緊 """.split() if len(p) == 2 and p[0] != p[1]})


def sub_some(text, pairs, k):
    cands = [p for p in pairs if p[0] in text]
    rng.shuffle(cands)
    for a, b in cands[:k]:
        text = text.replace(a, b, 1)
    return text


def v_voice(r):
    t = re.sub(PUNCT, " ", r["text"])
    t = re.sub(r"\s+", " ", t).strip()
    if rng.random() < 0.5:
        t = sub_some(t, HOMOPHONES, rng.randint(1, 2))
    if rng.random() < 0.4:
        t = t.replace(" ", "")
    if r["urgent"]:
        return (rng.choice(FILLERS_URGENT_START) + t + rng.choice(FILLERS_URGENT_END)).strip(), "voice_no_punct"
    return (rng.choice(FILLERS_START) + t + rng.choice(FILLERS_END_KIND[r["kind"]])).strip(), "voice_no_punct"


def v_typo(r):
    t = sub_some(r["text"], HOMOPHONES, rng.randint(1, 3))
    if not r["urgent"] and rng.random() < 0.3:
        t = sub_some(t, SLANG, 1)
    return t, "typo"


def v_trad(r):
    return "".join(S2T.get(ch, ch) for ch in r["text"]), "traditional"


def v_emoji(r):
    pool = EMOJI_URGENT if r["urgent"] else list(EMOJI[r["kind"]])
    e = rng.choice(pool) * rng.choice([1, 1, 2, 3])
    t = r["text"]
    if rng.random() < 0.3:
        t = re.sub(r"[。！!]$", "", t)
    return (t + e) if rng.random() < 0.8 else (e + t), "emoji"


def v_pinyin(r):
    return sub_some(r["text"], PINYIN, rng.randint(1, 2)), "pinyin"


def v_mixed(r):
    t = sub_some(r["text"], MIXED, rng.randint(1, 2))
    if t == r["text"]:
        t = t.rstrip("。") + rng.choice([" thx", " pls", " ASAP", " 3q"])
    return t, "mixed_en"


VARIANTS = [(v_voice, 0.34), (v_typo, 0.18), (v_emoji, 0.16), (v_trad, 0.12), (v_pinyin, 0.10),
            (v_mixed, 0.10)]


def pick_variant():
    x, acc = rng.random(), 0.0
    for fn, w in VARIANTS:
        acc += w
        if x < acc:
            return fn
    return VARIANTS[0][0]


def norm(t):
    return re.sub(r"[\W_]+", "", t).lower()


def main(target_per_cat=192, test_frac=0.2):
    base = load()
    # exact / normalised duplicates among hand-written texts
    seen = {}
    for r in base:
        n = norm(r["text"])
        if n in seen:
            sys.exit(f"duplicate hand-written text: {r['text']!r} / {seen[n]!r}")
        seen[n] = r["text"]
    for i, r in enumerate(base):
        r["group"] = i
        r["variant_of"] = None
    by_cat = collections.defaultdict(list)
    for r in base:
        by_cat[r["category"]].append(r)
    allrecs = list(base)
    texts = {r["text"] for r in base}
    for cat in CATS:
        need = target_per_cat - len(by_cat[cat])
        pool = [r for r in by_cat[cat] if r["style"] not in ("english", "long_letter")]
        used = collections.Counter()
        tries = 0
        while need > 0 and tries < 5000:
            tries += 1
            r = rng.choices(pool, weights=[2.2 if p["urgent"] else 1.0 for p in pool])[0]
            if used[r["group"]] >= 1 and rng.random() < 0.85:
                continue  # at most one variant per text, a few get two
            fn = pick_variant()
            t, style = fn(r)
            if t == r["text"] or t in texts:
                continue
            texts.add(t)
            used[r["group"]] += 1
            allrecs.append(dict(text=t, category=cat, kind=r["kind"], urgent=r["urgent"], style=style,
                                src="variant", group=r["group"], variant_of=r["group"]))
            need -= 1
    # grouped, stratified split: a text and its variants always land in the same split
    groups = collections.defaultdict(list)
    for r in allrecs:
        groups[r["group"]].append(r)
    test_groups = set()
    for cat in CATS:
        gids = sorted({r["group"] for r in allrecs if r["category"] == cat})
        rng.shuffle(gids)
        total = sum(len(groups[g]) for g in gids)
        goal = round(total * test_frac)
        n = 0
        # keep urgent/praise/english represented: interleave by sorting on a random key only
        for g in gids:
            if n >= goal:
                break
            if n + len(groups[g]) > goal + 1:
                continue
            test_groups.add(g)
            n += len(groups[g])
    train = [r for r in allrecs if r["group"] not in test_groups]
    test = [r for r in allrecs if r["group"] in test_groups]
    rng.shuffle(train)
    rng.shuffle(test)
    i = 0
    out = {}
    for name, rows in (("train", train), ("test", test)):
        lines = []
        for r in rows:
            i += 1
            lines.append(dict(id=f"s{i:04d}", text=r["text"], category=r["category"], kind=r["kind"],
                              urgent=r["urgent"], style=r["style"]))
        out[name] = lines
    extra = training_only(texts, i)  # checked before anything is written
    for name, lines in (("train", out["train"] + extra), ("test", out["test"])):
        with open(f"{OUT}/seed_{name}.jsonl", "w", encoding="utf-8") as fh:
            for row in lines:
                fh.write(json.dumps(row, ensure_ascii=False) + "\n")
    nb = len(base)
    print(f"hand-written {nb}, variants {len(allrecs) - nb}, train {len(train)}, test {len(test)}, "
          f"training-only (x_*.py) {len(extra)}")
    print("base urgent", sum(r["urgent"] for r in base), "all urgent", sum(r["urgent"] for r in allrecs))
    print("base kinds", collections.Counter(r["kind"] for r in base))
    print("base styles", collections.Counter(r["style"] for r in base))
    print("base per cat", collections.Counter(r["category"] for r in base))
    split_src = {n: collections.Counter("variant" if r["src"] == "variant" else "hand_written" for r in rows)
                 for n, rows in (("train", train), ("test", test))}
    print("split origin", split_src)
    print("variant styles", collections.Counter(r["style"] for r in allrecs if r["src"] == "variant"))
    print("long letters len", sorted(len(r["text"]) for r in base if r["style"] == "long_letter" or len(r["text"]) >= 200)[::6])


def _trigrams(t):
    s = norm(t)
    return {s[k:k + 3] for k in range(max(len(s) - 2, 1))}


def _similarity(a, b):
    """(Jaccard, share of the shorter text's trigrams in the other) of two trigram sets."""
    shared = len(a & b)
    return shared / len(a | b), (shared / min(len(a), len(b)) if min(len(a), len(b)) >= 4 else 0.0)


def _close(a, b):
    jaccard, contained = _similarity(a, b)
    return jaccard > 0.35 or contained > 0.6


def eval_texts():
    """(where, text) of every evaluation message; `where` is file:line (and the id), never the text."""
    out = []
    for name in ("val", "test"):
        path = os.path.join(OUT, "eval", f"{name}.jsonl")
        if os.path.exists(path):
            with open(path, encoding="utf-8") as fh:
                for lineno, line in enumerate(fh, 1):
                    if line.strip():
                        row = json.loads(line)
                        out.append((f"eval/{name}.jsonl:{lineno} (id {row.get('id', '?')})", row["text"]))
    return out


def training_only(texts, last_id):
    """The x_*.py records for seed_train.jsonl (ids after the last one); stops on a duplicate or a
    text close to an evaluation text."""
    extra = load("x_*.py", random.Random(SEED + 1), style="intake")
    known = {norm(t) for t in texts}
    held_out = [(_trigrams(t), where) for where, t in eval_texts()]
    problems = []
    for r in extra:
        if norm(r["text"]) in known:
            problems.append(f"duplicate training-only text ({r['src']}): {r['text']!r}")
        known.add(norm(r["text"]))
        mine = _trigrams(r["text"])
        # the evaluation text itself is never printed: only where it is and how close
        problems += [f"training-only text too close to an evaluation text ({r['src']}): {r['text']!r} ~ {where}, "
                     "trigram Jaccard %.2f, shared %.2f of the shorter" % _similarity(mine, grams)
                     for grams, where in held_out if _close(mine, grams)][:1]
    if problems:
        sys.exit("\n".join(problems))
    random.Random(SEED + 2).shuffle(extra)
    return [dict(id=f"s{last_id + k:04d}", text=r["text"], category=r["category"], kind=r["kind"],
                 urgent=r["urgent"], style=r["style"]) for k, r in enumerate(extra, 1)]


if __name__ == "__main__":
    main()
