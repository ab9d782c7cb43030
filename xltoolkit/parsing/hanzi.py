"""Traditional -> simplified characters for matching (one character for one, so spans stay valid).

Only the characters that the parser's patterns meet are mapped: responsibility labels and verbs
(牽頭, 責任單位, 配合, 協辦 …), unit names and suffixes (區, 縣, 局, 會, 處 …), section keywords (指標, 任務
…), comparators and units of measure (達到, 以內, 億元, 萬人 …), period words and the wording the measure
rules read. A document in traditional script is matched as if it were simplified; every stored text
keeps the characters as written. No dictionary, no word-level conversion: words whose simplified
form differs in length do not occur in the patterns.
"""

from __future__ import annotations

_PAIRS = (
    "牽牵頭头單单責责協协辦办參参與与實实時时間间節节負负職职區区縣县鎮镇鄉乡會会員员門门處处廳厅聯联團团黨党"
    "紀纪監监組组織织傳传統统戰战檢检稅税關关氣气郵邮電电發发財财達达內内於于過过長长億亿萬万個个項项條条場场"
    "張张臺台輛辆歲岁噸吨畝亩裏里棟栋戶户標标預预約约務务點点總总導导進进領领機机來来舉举創创設设減减號号編编"
    "書书規规劃划綱纲見见稱称構构開开佈布環环態态護护衛卫執执業业醫医療疗養养險险資资產产額额歷历濟济學学齡龄"
    "兒儿嬰婴園园綠绿蓋盖濃浓農农糧粮綜综車车軌轨鐵铁線线網网絡络數数據据兩两擴扩遷迁層层類类質质優优樓楼貿贸"
    "營营證证邊边極极專专補补貼贴為为將将對对應应經经議议體体現现動动際际國国雙双價价勞劳費费續续積积風风災灾"
    "範范圍围審审貫贯徹彻顯显級级術术藥药廣广圖图館馆藝艺劇剧歡欢樂乐問问題题強强東东華华漢汉寧宁豐丰權权嚴严"
    "驗验測测計计訂订決决簡简調调適适響响認认讓让選选試试評评獎奖勵励屬属縮缩餘余並并從从後后當当無无幾几週周"
    "準准則则復复種种誌志億亿韌韧鏈链廠厂礦矿軟软礎础設设裝装備备儲储鬥斗彈弹違违規规詢询訊讯談谈課课護护"
    "獲获歸归覺觉觀观權权讀读寫写聽听說说話话語语論论識识譜谱譯译這这爭争線线練练縱纵緊紧紹绍結结給给絕绝"
    "維维綫线緣缘編编緩缓纖纤繫系繼继續续變变辭辞邏逻遠远遞递鄰邻釋释針针鋼钢錄录錢钱鎖锁閱阅陽阳陰阴隊队隨随"
    "雲云霧雾靈灵韓韩頁页頂顶項项順顺須须頻频額额顧顾飛飞飯饭館馆馬马駐驻騰腾髮发鬧闹魚鱼鳥鸟麗丽齊齐龍龙"
    "億亿兌兑剛刚勝胜勢势卻却厲厉參参雜杂雙双嚮向圓圆壓压壞坏墾垦壇坛壯壮夢梦奪夺奮奋婦妇孫孙寬宽導导屆届"
    "嶺岭幣币帶带幫帮廢废廬庐彎弯徑径徵征態态慶庆憲宪戲戏擁拥擇择擔担據据擴扩攝摄敘叙斷断暢畅曆历權权檔档"
    "歐欧殘残殺杀氫氢灣湾濱滨災灾熱热爾尔牆墙獨独獻献産产畫画畢毕疊叠癥症盡尽盤盘禮礼禦御穩稳築筑簽签糾纠"
    "紅红紙纸級级細细終终組组絡络統统綠绿緻致縣县總总繩绳罰罚聖圣聲声脅胁腦脑膽胆臨临艦舰莊庄薦荐虛虚號号"
    "螢萤衝冲補补裡里襲袭視视親亲觸触訴诉詳详誤误謀谋豎竖貨货販贩貧贫賓宾賣卖賴赖贊赞趨趋跡迹輔辅輕轻輸输"
    "辦办遲迟還还邊边醫医鑒鉴鑰钥閉闭開开閒闲閣阁閩闽闆板闊阔闢辟陣阵陸陆險险際际雖虽雞鸡離离難难電电"
    "靜静響响頓顿頒颁領领頭头頸颈題题顏颜類类飾饰餐餐體体鬥斗鮮鲜麥麦黃黄點点齡龄鑄铸鑽钻"
)
TRADITIONAL_TO_SIMPLIFIED: dict[int, str] = {}
for _i in range(0, len(_PAIRS), 2):
    _t, _s = _PAIRS[_i], _PAIRS[_i + 1]
    if _t != _s:
        TRADITIONAL_TO_SIMPLIFIED.setdefault(ord(_t), _s)
