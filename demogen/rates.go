package demogen

// The rates the demo population follows, each with where it comes from.
// Figures that are a demo choice rather than a published statistic say so.

// ageBand is a 5-year band of the 60+ population; hi is inclusive.
type ageBand struct {
	lo, hi int
	weight float64 // persons (census count)
	female float64 // share of women in the band
}

// ageBands is the age structure of the population aged 60 and over in the
// 7th national census (第七次全国人口普查, reference time 2020-11-01 00:00).
//
//   - 60+ = 264,018,766 and 65+ = 190,635,280: 《第七次全国人口普查公报（第五号）
//     ——人口年龄构成情况》(国家统计局, 2021-05-11), §1. So 60–64 = 73,383,486 exactly.
//   - 65–69 … 100+: 《中国人口普查年鉴—2020》, 全国分年龄、性别的人口, rounded to
//     10,000 persons (万人): 7,400.5 / 4,959.1 / 3,117.8 / 2,037.9 / 1,134.7 /
//     321.7 / 77.9 / 11.9 (100+: 118,866 centenarians). They add up to 19,061.5万
//     against the 公报's 19,063.5万; the 0.01 % gap is rounding. These band
//     figures were transcribed for demo data and not re-checked against the printed
//     yearbook table; the 60–64 share and the 80+ share (35.8 M, 13.6 % of the 60+,
//     as the census reported) are what the tests hold the generator to.
//   - The share of women by band follows the census sex ratios of the old
//     (women outnumber men more with every band; about 52 % of the 60+ are women);
//     the per-band values are rounded and a demo choice.
//
// Within a band single years are drawn uniformly; 100+ runs 100–104 with most at 100–101.
var ageBands = [...]ageBand{
	{60, 64, 73_383_486, 0.496},
	{65, 69, 74_005_000, 0.504},
	{70, 74, 49_591_000, 0.512},
	{75, 79, 31_178_000, 0.526},
	{80, 84, 20_379_000, 0.553},
	{85, 89, 11_347_000, 0.588},
	{90, 94, 3_217_000, 0.640},
	{95, 99, 779_000, 0.690},
	{100, 104, 118_866, 0.760},
}

// Capability: the latent truth the 失能/失智 statuses and the assessments follow.
//
// Xiangtan 《湘潭市“一老一小”整体解决方案》 (shared/seeds/xiangtan-city-one-old-one-young.txt,
// line 30): "其中失智、失能老年人口将占总老年人口的3%,半失能老年人口将达到14%"
// and "全市老年家庭空巢率达到55%以上".
const (
	rateDisabledOrDementia = 0.03 // 失能 or 失智 status (Xiangtan line 30)
	rateSemiDisabled       = 0.14 // 半失能: assessed grade 1–2 (Xiangtan line 30)

	// Among the 3 %: 失能 only, 失能 and 失智, 失智 only. A demo choice: dementia is
	// the smaller part of the official 失能失智 counts.
	shareDementiaOnly = 0.15
	shareDementiaAlso = 0.15
)

// Relative risk of 失能 and 半失能 by band (index of ageBands). The rates above
// are the population-wide shares; each band's rate is the share times its
// factor divided by the census-weighted mean factor, so the overall share
// stays 3 % and 14 % while the oldest carry most of it (a demo choice with the
// shape of the 2020 census question on health: 生活不能自理 rises steeply after 80).
var (
	disabledRisk = [len(ageBands)]float64{0.3, 0.5, 0.9, 1.6, 2.8, 4.5, 7, 8, 9}
	semiRisk     = [len(ageBands)]float64{0.5, 0.7, 1.0, 1.4, 2.0, 2.6, 3.2, 3.4, 3.5}
)

// Living arrangements (居住状况) by broad age group: 60–69, 70–79, 80+.
// 空巢 in the policy sense is "no child at home": living alone (独居) plus the
// couple on their own (空巢, the "empty_nest" key). Xiangtan line 30 sets it at
// 55 % (of households; we apply it to people). Living alone is about 14 % of
// the 60+: the 2020 census counts some 37 M older people in one-person
// households. In institutions about 1.4 %, with relatives 3 %: a demo choice.
// With the census age shares these rows give alone 13.9 %, couple 41.4 %
// (together 55.3 %), institution 1.4 %, other relatives 2.9 %, children 40.4 %.
var livingByAge = [3][]weighted[string]{
	{{"alone", 10}, {"empty_nest", 45}, {"institution", 0.5}, {"with_others", 2}, {"with_children", 42.5}},
	{{"alone", 16}, {"empty_nest", 42}, {"institution", 1.5}, {"with_others", 3}, {"with_children", 37.5}},
	{{"alone", 25}, {"empty_nest", 25}, {"institution", 5}, {"with_others", 6}, {"with_children", 39}},
}

// Status rates. The sources give national counts; the rates are those counts
// over the 60+ population, rounded, and where the source does not split by
// age the elderly share is our estimate.
const (
	// 特困 (特困人员救助供养): 《2022年民政事业发展统计公报》 counts about 4.7 M
	// people (rural 4.35 M, urban 0.35 M), most of them old; 1.2–1.3 % of the 60+.
	// Only people without a supporting family qualify, so it is drawn among those
	// living alone, with relatives or in an institution; in an institution it is
	// 集中供养, otherwise 分散供养.
	rateTekunAlone       = 0.05
	rateTekunOthers      = 0.08
	rateTekunInstitution = 0.25

	// 低保: the same 公报 counts 40.3 M people (urban 6.8 M, rural 33.5 M);
	// old people are over-represented, about 5 % of the 60+, more in villages.
	// 特困 and 低保 exclude each other.
	rateDibaoUrban = 0.025
	rateDibaoRural = 0.065

	// 低收入 (低收入人口动态监测, beyond 低保 and 特困: 低保边缘 and 支出型困难):
	// 民政部 reported about 66 M low-income people monitored in 2023, 低保 and
	// 特困 included; about 4 % of the 60+ on top of 低保 is our estimate.
	rateLowIncomeUrban = 0.025
	rateLowIncomeRural = 0.05

	// 留守 (农村留守老年人): 民政部 estimated about 16 M (2017-2018 摸底排查), some 13 %
	// of the rural 60+. Only rural residents whose children are away: drawn among
	// rural people living alone or as a couple, at 13 % / 0.55.
	rateLeftBehindRuralNoChild = 0.22

	// 残疾人证 (certificate, grade 1–4, GB/T 26341-2010): 第二次全国残疾人抽样调查
	// (2006) found 44 M disabled people aged 60+, most of them mildly and without
	// a certificate; 6 % of the 60+ hold one here (demo choice), with grades
	// 1/2/3/4 at 15/20/30/35 %, so 重度残疾 (grade 1–2) is 2.1 %. 失能 people are
	// four times as likely to hold one.
	rateDisabilityCert = 0.06

	// 计划生育特殊家庭 (独生子女死亡或伤残): about 1 M families by 卫健委 estimates, i.e.
	// some 0.5 % of the 60+ (demo estimate); drawn among people with no child at home.
	rateSpecialFamilyNoChild = 0.009

	// 优抚对象: about 8 M 重点优抚对象 nationally (退役军人事务部), many of them old;
	// 1.5 % of the 60+ (demo estimate), 90 % of them men.
	rateVeteran = 0.015

	// 老党员: the 中国共产党党内统计公报 reports some 29 M members aged 61+ (2023),
	// about 10 % of the 60+; 8 % here (demo estimate), three men to one woman.
	ratePartyMember = 0.08
)

// Life status: about 1 % died in the last year and 0.3 % moved away, so the
// register shows the death and move feeds at work (demo choice).
const (
	rateDeceased = 0.008
	rateMovedOut = 0.003
)

// Assessment coverage: who has a GB/T 42195-2022 capability assessment. Those
// with needs are assessed first (Chenzhou §13 and Shaoyang §7: assessment for
// the disabled and those in difficulty). Demo choices.
const (
	assessDisabled = 0.90 // 失能/失智
	assessSemi     = 0.60 // 半失能
	assessPoor     = 0.50 // 特困, 低保, 低收入 otherwise intact
	assessOther    = 0.08
	// An assessment is valid 12 months (issue 3); 12 % are older, for the reassessment worklist.
	assessExpired = 0.12
)

// Phones: most of the old carry a mobile; fewer with age (demo choice).
var phoneByAge = [3]float64{0.93, 0.82, 0.60}

// Chronic conditions (慢性病) and their prevalence in the 60+; demo figures of
// the order of the 《中国居民营养与慢性病状况报告（2020年）》.
var chronicRates = []weighted[string]{
	{"高血压", 0.45},
	{"糖尿病", 0.18},
	{"骨关节病", 0.15},
	{"冠心病", 0.10},
	{"慢性阻塞性肺疾病", 0.07},
	{"脑卒中", 0.05},
}

// Share of people whose household registration (户籍) is in another village of
// the county than where they live (人户分离), a demo choice.
const rateHouseholdElsewhere = 0.08
