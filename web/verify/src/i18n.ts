/** The page's words in Kyrgyz, Russian and English (Kyrgyz first, as the state language; `?lang=ky|ru|en`). */
export const LANGUAGES = ["ky", "ru", "en"] as const;
export type Lang = (typeof LANGUAGES)[number];

const T = {
  title: ["Шайлоону өзүңүз текшериңиз", "Проверьте выборы сами", "Verify the election yourself"],
  intro: [
    "Бул барак бюллетендер тактасынын экспортун ушул браузерде текшерет: эч нерсе эч жакка жөнөтүлбөйт. Текшерүүлөр `shailoo verify` буйругунун номерлери менен бирдей.",
    "Эта страница проверяет выгрузку доски бюллетеней прямо в этом браузере: ничего никуда не отправляется. Проверки пронумерованы так же, как в `shailoo verify`.",
    "This page verifies an export of the ballot board in this browser: nothing is sent anywhere. The checks carry the same numbers as `shailoo verify`.",
  ],
  language: ["Тил", "Язык", "Language"],
  source: ["Экспорт", "Выгрузка", "The export"],
  file: ["Экспорт файлын тандаңыз (board.jsonl)", "Выберите файл выгрузки (board.jsonl)", "Choose the export file (board.jsonl)"],
  drop: [
    "…же файлды ушул жерге сүйрөп таштаңыз",
    "…или перетащите файл сюда",
    "…or drop the file here",
  ],
  url: ["…же тактанын дареги (ушул сайттан)", "…или адрес доски (с этого сайта)", "…or the board's address (on this site)"],
  verify_url: ["Даректеги экспортту текшерүү", "Проверить выгрузку по адресу", "Verify the export at this address"],
  options: ["Параметрлер", "Параметры", "Options"],
  min_issuer_bits: [
    "Каттоочунун ачкычынын эң аз биттери",
    "Наименьшая длина ключа регистратора (бит)",
    "Fewest bits of an issuer key",
  ],
  min_witnesses: ["Күбөлөрдүн эң аз саны", "Наименьшее число свидетелей", "Fewest witnesses"],
  progress: ["Текшерүүнүн жүрүшү", "Ход проверки", "Verification progress"],
  reading: ["Экспорт окулууда…", "Чтение выгрузки…", "Reading the export…"],
  checking: ["Текшерүүлөр жүрүүдө…", "Идут проверки…", "Running the checks…"],
  verified: [
    "Текшерилди: өтпөй калган текшерүү жок.",
    "Проверено: непройденных проверок нет.",
    "Verified: no check failed.",
  ],
  not_run: [
    "Бул баракта азырынча аткарылбаган текшерүүлөр: {n}. Аларды `shailoo verify` аткарат.",
    "Проверок, ещё не реализованных на этой странице: {n}. Их выполняет `shailoo verify`.",
    "Checks this page does not run yet: {n}. `shailoo verify` runs them.",
  ],
  not_verified: [
    "Текшерүүдөн өткөн жок: кээ бир текшерүүлөр ийгиликсиз.",
    "Не проверено: некоторые проверки не пройдены.",
    "Not verified: some checks failed.",
  ],
  error: ["Экспортту окуу мүмкүн эмес", "Не удалось прочитать выгрузку", "The export could not be read"],
  results: ["Текшерүүлөр", "Проверки", "The checks"],
  number: ["№", "№", "No."],
  area: ["Бөлүм", "Раздел", "Area"],
  check: ["Текшерүү", "Проверка", "Check"],
  status: ["Абалы", "Статус", "Status"],
  message: ["Түшүндүрмө", "Пояснение", "Explanation"],
  evidence: ["Далил", "Доказательства", "Evidence"],
  counts: ["Саны", "Итого", "Counts"],
  fingerprint: ["Экспорттун издери", "Отпечаток выгрузки", "Export fingerprint"],
  pass: ["өттү", "пройдена", "pass"],
  fail: ["өткөн жок", "не пройдена", "fail"],
  skipped: ["өткөрүлдү", "пропущена", "skipped"],
  not_implemented: ["азырынча жок", "пока не реализована", "not implemented yet"],
  save: [
    "Бул баракты оффлайн колдонуу үчүн сактоо (бир HTML файл)",
    "Сохранить эту страницу для работы без сети (один HTML-файл)",
    "Save this page to use offline (one HTML file)",
  ],
  area_log: ["Журнал", "Журнал", "Log"],
  area_setup: ["Даярдоо", "Подготовка", "Setup"],
  area_ballots: ["Бюллетендер", "Бюллетени", "Ballots"],
  area_precincts: ["Участоктор", "Участки", "Precincts"],
  area_tally: ["Эсептөө", "Подсчёт", "Tally"],
  area_complaints: ["Даттануулар", "Жалобы", "Complaints"],
  seconds: ["сек", "с", "s"],
} as const satisfies Record<string, readonly [string, string, string]>;

export type Key = keyof typeof T;

export function language(value: string | null | undefined): Lang {
  return (LANGUAGES as readonly string[]).includes(value ?? "") ? (value as Lang) : "ky";
}

export function t(key: Key, lang: Lang): string {
  return T[key][LANGUAGES.indexOf(lang)] as string;
}

/** The area's name, or the area itself for one this page has no words for. */
export function area(name: string, lang: Lang): string {
  const key = `area_${name}`;
  return key in T ? t(key as Key, lang) : name;
}
