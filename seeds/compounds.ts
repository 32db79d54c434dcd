/** The eleven Wuhan compounds of the source article (SPEC section 1). */
export const SEED_PROVIDER_NAME = '武汉地源热泵服务 Wuhan Ground-Source Heat Pump Services';

/** What the seeded provider's clerk prints on a payment notice (SPEC §9 "how to pay"); the account is made up. */
export const SEED_PAYMENT_DETAILS = {
  payee_name: '武汉地源热泵服务有限公司',
  bank_name: '中国建设银行武汉光谷支行 China Construction Bank, Wuhan Optics Valley sub-branch',
  bank_account: '4205 0186 3608 0000 0127',
  pay_hotline: '027-8765 4321',
  pay_note_zh: '可在小区物业服务中心缴费窗口（周一至周六 9:00–17:00）刷卡或现金缴费，或银行转账；转账请在附言中注明账单号。',
  pay_note_en:
    "Pay at the counter of the compound's property service centre (Mon–Sat 9:00–17:00) by card or cash, " +
    'or by bank transfer quoting the invoice numbers in the transfer note.',
} as const;

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
