/** The eleven Wuhan compounds of the source article (SPEC section 1). */
export const SEED_PROVIDER_NAME = '武汉地源热泵服务 Wuhan Ground-Source Heat Pump Services';

export const SEED_COMPOUNDS = [
  { code: 'changhang-lanjing-guoji', name: '长航蓝晶国际小区', district: '东湖高新区' },
  { code: 'guanggu-wanjun', name: '光谷地产湾郡小区', district: '东湖高新区' },
  { code: 'jiebuting-xiandaicheng', name: '解步亭花园现代城小区', district: '江岸区' },
  { code: 'cbd-chushijia', name: 'CBD楚世家小区', district: '江汉区' },
  { code: 'langshi-lvse-jiequ', name: '朗诗绿色街区小区', district: '汉阳区' },
  { code: 'zhongtie-shiji-jinqiao', name: '中铁世纪金桥小区', district: '汉阳区' },
  { code: 'haishan-jingu', name: '海山金谷小区', district: '武昌区' },
  { code: 'qingjiang-huayuan', name: '清江花园小区', district: '武昌区' },
  { code: 'aoshan-shijicheng', name: '奥山世纪城小区', district: '青山区' },
  { code: 'changhang-lanjing-lvzhou', name: '长航蓝晶绿洲小区', district: '洪山区' },
  { code: 'qingjiang-hongjing', name: '清江泓景小区', district: '江夏区' },
] as const;

/** Default windows and tariff (SPEC section 3) for the season year starting in `year`. */
export function defaultSeason(year: number) {
  const next = year + 1;
  return {
    label: `${year}-${String(next % 100).padStart(2, '0')}`,
    heating_start: `${year}-11-15`,
    heating_end: `${next}-03-15`,
    cooling_start: `${next}-06-15`,
    cooling_end: `${next}-09-15`,
    unit_rate: '0.33',
    cap_per_m2: '35',
  };
}

/** The seeded season years: 2025-26 (the spec's) and 2026-27, the one running now. */
export const SEED_SEASON_YEARS = [2025, 2026];
