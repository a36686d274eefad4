/**
 * Every word the app shows, in Kyrgyz (first), Russian and English, looked up through i18next (fallback Kyrgyz,
 * `{name}` interpolation). Texts shared with the precinct kiosk are the kiosk's (precinct/kiosk_text.py); a server
 * error code is shown only through `errorText`, never raw.
 */
import i18next from 'i18next';

export type Lang = 'ky' | 'ru' | 'en';
export const LANGS: readonly Lang[] = ['ky', 'ru', 'en'];
export const LANG_NAMES: Record<Lang, string> = { ky: 'Кыргызча', ru: 'Русский', en: 'English' };

type Texts = Record<string, Record<Lang, string>>;

export const TEXTS: Texts = {
  title: { ky: 'Шайлоо — чет өлкөдөн добуш берүү', ru: 'Шайлоо — голосование из-за рубежа', en: 'Shailoo — voting from abroad' },
  skip: { ky: 'Негизги мазмунга өтүү', ru: 'Перейти к содержанию', en: 'Skip to content' },
  language: { ky: 'Тил', ru: 'Язык', en: 'Language' },
  large_on: { ky: 'Чоң тамгалар', ru: 'Крупный шрифт', en: 'Large text' },
  large_off: { ky: 'Кадимки тамгалар', ru: 'Обычный шрифт', en: 'Normal text' },
  welcome: {
    ky: 'Жеке номериңизди киргизиңиз. Колдонмо сизди телефонуңуздун камерасы аркылуу тааныйт. Бардык жашыруун маалымат ушул телефондо калат.',
    ru: 'Введите ваш персональный номер. Приложение установит вашу личность камерой телефона. Всё секретное остаётся на этом телефоне.',
    en: 'Enter your personal number. The app identifies you with your phone’s camera. Everything secret stays on this phone.',
  },
  national_id: { ky: 'Жеке идентификациялык номер (ПИН)', ru: 'Персональный номер (ПИН)', en: 'Personal number (PIN)' },
  national_id_hint: { ky: '14 сан', ru: '14 цифр', en: '14 digits' },
  start: { ky: 'Улантуу', ru: 'Продолжить', en: 'Continue' },
  camera_title: { ky: 'Жүзүңүздү текшерүү', ru: 'Проверка лица', en: 'Face check' },
  camera_intro: {
    ky: 'Камераны күйгүзүп, көрсөтмөлөрдү аткарыңыз: адегенде түз караңыз, анан башыңызды айтылган тарапка буруңуз.',
    ru: 'Включите камеру и следуйте подсказкам: сначала смотрите прямо, затем поверните голову, куда сказано.',
    en: 'Turn the camera on and follow the prompts: look straight first, then turn your head the way you are told.',
  },
  camera_on: { ky: 'Камераны күйгүзүү', ru: 'Включить камеру', en: 'Turn the camera on' },
  camera_preview: { ky: 'Камерадан сүрөт', ru: 'Изображение с камеры', en: 'Camera picture' },
  turn_center: { ky: 'Түз караңыз', ru: 'Смотрите прямо', en: 'Look straight at the camera' },
  turn_left: { ky: 'Башыңызды солго буруңуз', ru: 'Поверните голову влево', en: 'Turn your head to the left' },
  turn_right: { ky: 'Башыңызды оңго буруңуз', ru: 'Поверните голову вправо', en: 'Turn your head to the right' },
  sending_frames: { ky: 'Текшерилүүдө…', ru: 'Проверяем…', en: 'Checking…' },
  identified: { ky: 'Сиз таанылдыңыз.', ru: 'Ваша личность установлена.', en: 'You are identified.' },
  making_credential: {
    ky: 'Добуш берүү ачкычы ушул телефондо түзүлүүдө…',
    ru: 'На этом телефоне создаётся ваш ключ голосования…',
    en: 'Making your voting key on this phone…',
  },
  fingerprint: {
    ky: 'Добуш берүү ачкычыңыздын изи (ар бир текшерилген жана берилген бюллетениңиздин барагында ушундай)',
    ru: 'Отпечаток вашего ключа голосования (тот же на странице каждого проверенного и поданного вами бюллетеня)',
    en: 'Your voting key’s fingerprint (the same on the page of every ballot you challenge or cast)',
  },
  to_ballot: { ky: 'Бюллетенге өтүү', ru: 'К бюллетеню', en: 'Go to the ballot' },
  ballot: { ky: 'Бюллетень', ru: 'Бюллетень', en: 'Ballot' },
  choose_one: { ky: 'Бирөөнү тандаңыз', ru: 'Выберите один вариант', en: 'Choose one' },
  choose_up_to: { ky: '{n} чейин тандаңыз', ru: 'Выберите не более {n}', en: 'Choose up to {n}' },
  preference: { ky: 'Тизмедеги талапкерге артыкчылык (милдеттүү эмес)', ru: 'Предпочтение кандидату из списка (необязательно)', en: 'Preference for a candidate on the list (optional)' },
  no_preference: { ky: 'Артыкчылыксыз', ru: 'Без предпочтения', en: 'No preference' },
  review: { ky: 'Бюллетенди текшерүү', ru: 'Проверить бюллетень', en: 'Review my ballot' },
  review_title: { ky: 'Тандооңузду текшериңиз', ru: 'Проверьте ваш выбор', en: 'Check your choices' },
  change: { ky: 'Өзгөртүү', ru: 'Изменить', en: 'Change' },
  encrypt: { ky: 'Шифрлөө', ru: 'Зашифровать', en: 'Encrypt my ballot' },
  encrypting: { ky: 'Бюллетень ушул телефондо шифрленүүдө…', ru: 'Бюллетень шифруется на этом телефоне…', en: 'Encrypting your ballot on this phone…' },
  encrypted: { ky: 'Бюллетениңиз шифрленди. Текшерүү коду:', ru: 'Ваш бюллетень зашифрован. Код проверки:', en: 'Your ballot is encrypted. Its tracking code:' },
  cast_or_challenge: {
    ky: 'Эми добуш бериңиз — же адегенде бул шифрлөөнү текшериңиз: текшерилген бюллетень ачылып жарыяланат жана эсептелбейт, андан кийин жаңысын шифрлейсиз.',
    ru: 'Теперь проголосуйте — или сначала проверьте это шифрование: проверенный бюллетень раскрывается, публикуется и не учитывается, затем вы зашифруете новый.',
    en: 'Now cast it — or first check this encryption: a challenged ballot is opened, published and never counted, then you encrypt a new one.',
  },
  cast: { ky: 'Добуш берүү', ru: 'Проголосовать', en: 'Cast my ballot' },
  challenge: { ky: 'Бул бюллетенди текшерүү (ал жокко чыгарылат)', ru: 'Проверить этот бюллетень (он будет аннулирован)', en: 'Challenge this ballot (it will be spoiled)' },
  challenged: {
    ky: 'Текшерилген бюллетень жарыяланды жана эсептелбейт. Бул телефон аны ачып текшерди, ал төмөнкүлөрдү камтыган:',
    ru: 'Проверенный бюллетень опубликован и не будет учтён. Этот телефон раскрыл его и проверил: он содержал',
    en: 'The challenged ballot is published and will not count. This phone opened it and checked: it held',
  },
  vote_again: { ky: 'Жаңы бюллетень толтуруу', ru: 'Заполнить новый бюллетень', en: 'Mark a new ballot' },
  delay_choice: {
    ky: 'Бюллетенди жөнөтүүдөн мурун кокус күтүү (ким качан добуш бергенин байланыштырууну кыйындатат)',
    ru: 'Случайная пауза перед отправкой (затрудняет связать, кто и когда голосовал)',
    en: 'Wait a random moment before sending (makes it harder to link who voted when)',
  },
  casting: { ky: 'Жөнөтүлүүдө…', ru: 'Отправляем…', en: 'Sending…' },
  thanks: { ky: 'Рахмат! Сиз добуш бердиңиз.', ru: 'Спасибо! Ваш голос принят.', en: 'Thank you, you have voted.' },
  receipt_title: { ky: 'Квитанция', ru: 'Квитанция', en: 'Receipt' },
  tracking_code: { ky: 'Текшерүү коду', ru: 'Код проверки', en: 'Tracking code' },
  qr_label: {
    ky: 'Коомдук текшерүү барагын ачкан QR код',
    ru: 'QR-код, открывающий публичную страницу проверки',
    en: 'QR code that opens the public tracking page',
  },
  open_tracking: { ky: 'Текшерүү барагын ачуу', ru: 'Открыть страницу проверки', en: 'Open the tracking page' },
  on_board: { ky: 'Бюллетень тактага жазылды.', ru: 'Бюллетень записан на доску.', en: 'Your ballot is on the board.' },
  secrets_erased: {
    ky: 'Бул бюллетендин шифрлөө сырлары ушул телефондон өчүрүлдү.',
    ru: 'Секреты шифрования этого бюллетеня стёрты с телефона.',
    en: 'The encryption secrets of this ballot were erased from this phone.',
  },
  inclusion_waiting: {
    ky: 'Тактанын кийинки кол коюлган абалы күтүлүүдө, бул телефон бюллетениңиздин анда бар экенин өзү текшерет…',
    ru: 'Ждём следующего подписанного состояния доски: этот телефон сам проверит, что ваш бюллетень в нём есть…',
    en: 'Waiting for the board’s next signed tree head; this phone will check your ballot is in it…',
  },
  included: {
    ky: 'Текшерилди: бюллетениңиз тактанын кол коюлган абалында бар ({size} жазуу).',
    ru: 'Проверено: ваш бюллетень есть в подписанном состоянии доски ({size} записей).',
    en: 'Checked: your ballot is in the board’s signed tree head ({size} entries).',
  },
  finish: { ky: 'Бүтүрүү', ru: 'Завершить', en: 'Finish' },
  error: { ky: 'Ката', ru: 'Ошибка', en: 'Error' },
  retry: { ky: 'Кайра аракет кылуу', ru: 'Попробовать снова', en: 'Try again' },
  back: { ky: 'Башына кайтуу', ru: 'Вернуться в начало', en: 'Back to the start' },
  offline: {
    ky: 'Байланыш жок. Бюллетенди даярдай берсеңиз болот; байланыш калыбына келгенде жөнөтөсүз.',
    ru: 'Нет связи. Можно готовить бюллетень; отправите, когда связь вернётся.',
    en: 'No connection. You can prepare your ballot and send it when the link returns.',
  },
  progress: { ky: 'Даярдык', ru: 'Готовность', en: 'Progress' },
  cr_title: { ky: 'Сиздин ыйгарым укугуңуз (credential)', ru: 'Ваш мандат (credential)', en: 'Your credential' },
  cr_real_code: {
    ky: 'Бул телефон каттоочунун далилин текшерди. Чыныгы ыйгарым укугуңуздун коду — аны эстеп калыңыз, бирөөгө айтпаңыз:',
    ru: 'Этот телефон проверил доказательство регистратора. Код вашего настоящего мандата — запомните его и никому не говорите:',
    en: 'This phone checked the registrar’s proof. The code of your real credential — remember it and tell no one:',
  },
  cr_intro: {
    ky: 'Кимдир бирөө сизди мажбурласа, жасалма ыйгарым укук жасап, ага бериңиз: ал чыныгыдай эле текшерилет, бирок анын добушу эсептелбейт. Көзөмөлсүз учурда чыныгысы менен добуш бериңиз.',
    ru: 'Если вас принуждают, сделайте поддельный мандат и отдайте его: он проходит ту же проверку, что и настоящий, но его голос не засчитывается. Голосуйте настоящим, когда за вами не следят.',
    en: 'If someone coerces you, make a fake credential and give it to them: it passes the same check as the real one, but its vote is not counted. Vote with the real one when no one is watching.',
  },
  cr_list: { ky: 'Бул телефондогу ыйгарым укуктар', ru: 'Мандаты на этом телефоне', en: 'Credentials on this phone' },
  cr_code: { ky: 'Коду', ru: 'Код', en: 'Code' },
  cr_make_fake: { ky: 'Жасалма ыйгарым укук жасоо', ru: 'Сделать поддельный мандат', en: 'Make a fake credential' },
  cr_use: { ky: 'Ушуну менен добуш берүү', ru: 'Голосовать этим мандатом', en: 'Vote with this one' },
  cr_export: { ky: 'Текст жана QR катары көрсөтүү', ru: 'Показать как текст и QR', en: 'Show as text and QR' },
  cr_text_label: { ky: 'Ыйгарым укуктун тексти', ru: 'Текст мандата', en: 'The credential as text' },
  cr_qr_label: { ky: 'Ыйгарым укуктун QR коду', ru: 'QR-код мандата', en: 'QR code of the credential' },
  cr_voting_with: { ky: 'Бул ыйгарым укук менен добуш бересиз, коду:', ru: 'Вы голосуете мандатом с кодом:', en: 'You are voting with the credential whose code is:' },
  cr_cast_done: { ky: 'Бюллетень тактага жазылды.', ru: 'Бюллетень записан на доску.', en: 'The ballot is on the board.' },
  cr_entry: { ky: 'Тактадагы орду', ru: 'Место на доске', en: 'Board entry' },
  cr_back: { ky: 'Ыйгарым укуктарга кайтуу', ru: 'Назад к мандатам', en: 'Back to the credentials' },
};

/** One message per failure the voter can meet; codes are the server's stable codes (docs/server.md). */
export const ERRORS: Texts = {
  no_face: { ky: 'Сүрөттө жүз табылган жок. Камераны жүзүңүзгө караңыз.', ru: 'Лицо не найдено. Направьте камеру на лицо.', en: 'No face was found. Point the camera at your face.' },
  several_faces: { ky: 'Сүрөттө бир нече жүз бар. Жалгыз калыңыз.', ru: 'В кадре несколько лиц. Останьтесь в кадре одни.', en: 'More than one face is in the picture. Be alone in the picture.' },
  face_quality: { ky: 'Сүрөт өтө караңгы же бүдөмүк. Жарыгыраак жерге өтүңүз.', ru: 'Снимок слишком тёмный или размытый. Перейдите туда, где светлее.', en: 'The picture is too dark or blurred. Move somewhere brighter.' },
  image_invalid: { ky: 'Камерадан сүрөт окулган жок.', ru: 'Не удалось прочитать снимок с камеры.', en: 'The camera picture could not be read.' },
  face_mismatch: { ky: 'Жүзүңүз реестрдеги сүрөткө дал келген жок.', ru: 'Лицо не совпало с фотографией в реестре.', en: 'Your face did not match the register’s photograph.' },
  face_matches_another_identity: { ky: 'Бул жүз башка шайлоочуга таандык. Комиссияга кайрылыңыз.', ru: 'Это лицо принадлежит другому избирателю. Обратитесь в комиссию.', en: 'This face belongs to another voter. Contact the commission.' },
  face_review_pending: { ky: 'Сиздин идентификацияңыз комиссиянын текшерүүсүндө.', ru: 'Ваша идентификация на проверке у комиссии.', en: 'Your identification is being reviewed by the commission.' },
  identity_blocked: { ky: 'Идентификация бөгөттөлдү. Комиссияга кайрылыңыз.', ru: 'Идентификация заблокирована. Обратитесь в комиссию.', en: 'Identification is blocked. Contact the commission.' },
  liveness_failed: { ky: 'Башты буруу текшерүүдөн өткөн жок. Көрсөтмөлөрдү кайра аткарыңыз.', ru: 'Проверка поворотов головы не пройдена. Повторите по подсказкам.', en: 'The head-turn check failed. Follow the prompts again.' },
  spoof_suspected: { ky: 'Тирүү жүз табылган жок. Сүрөт эмес, өзүңүз камерага караңыз.', ru: 'Живое лицо не обнаружено. Смотрите в камеру сами, не показывайте фото.', en: 'No live face was seen. Look at the camera yourself, not a photo.' },
  locked_out: { ky: 'Аракеттер өтө көп. Бир аздан кийин кайталаңыз.', ru: 'Слишком много попыток. Повторите позже.', en: 'Too many attempts. Try again later.' },
  rate_limited: { ky: 'Аракеттер өтө көп. Бир аздан кийин кайталаңыз.', ru: 'Слишком много попыток. Повторите позже.', en: 'Too many attempts. Try again later.' },
  already_identified: { ky: 'Сиз буга чейин идентификациядан өткөнсүз.', ru: 'Вы уже прошли идентификацию.', en: 'You have already been identified.' },
  not_eligible: { ky: 'Бул шайлоодо сиз тизмеде жоксуз.', ru: 'Вы не в списке избирателей этих выборов.', en: 'You are not on the list of voters of this election.' },
  voter_not_found: { ky: 'Бул номер реестрде жок.', ru: 'Этого номера нет в реестре.', en: 'This number is not on the register.' },
  invalid_personal_number: { ky: 'Жеке номер туура эмес: 14 сан.', ru: 'Неверный персональный номер: 14 цифр.', en: 'That personal number is not valid: 14 digits.' },
  session_invalid: { ky: 'Сессиянын мөөнөтү бүттү. Башынан баштаңыз.', ru: 'Сессия истекла. Начните сначала.', en: 'The session expired. Start again.' },
  nonce_invalid: { ky: 'Сессиянын мөөнөтү бүттү. Башынан баштаңыз.', ru: 'Сессия истекла. Начните сначала.', en: 'The session expired. Start again.' },
  wrong_phase: { ky: 'Азыр добуш берүү жүрбөйт.', ru: 'Сейчас голосование не идёт.', en: 'Voting is not open now.' },
  credential_spent: { ky: 'Бул шайлоодо сиз ачкыч алгансыз.', ru: 'Вы уже получили ключ на этих выборах.', en: 'You already received a voting key in this election.' },
  credential_invalid: { ky: 'Каттоочунун колтамгасы текшерүүдөн өткөн жок. Кайра аракет кылыңыз.', ru: 'Подпись регистратора не прошла проверку. Попробуйте снова.', en: 'The registrar’s signature did not check out. Try again.' },
  duplicate_ballot: { ky: 'Бул бюллетень буга чейин жөнөтүлгөн.', ru: 'Этот бюллетень уже отправлен.', en: 'This ballot was already sent.' },
  invalid_ballot: { ky: 'Сервер бюллетенди кабыл алган жок.', ru: 'Сервер не принял бюллетень.', en: 'The server refused the ballot.' },
  receipt_invalid: { ky: 'Квитанция бул бюллетенге туура келбейт. Комиссияга кайрылыңыз.', ru: 'Квитанция не соответствует бюллетеню. Обратитесь в комиссию.', en: 'The receipt does not match this ballot. Contact the commission.' },
  spoil_mismatch: { ky: 'Текшерилген бюллетень тандооңузду камтыган жок! Бул телефонго ишенбеңиз, комиссияга кабарлаңыз.', ru: 'Проверенный бюллетень не содержал ваш выбор! Не доверяйте этому телефону, сообщите комиссии.', en: 'The challenged ballot did not hold your choices! Do not trust this phone; tell the commission.' },
  camera_denied: { ky: 'Камерага уруксат берилген жок. Браузердин жөндөөлөрүнөн уруксат бериңиз.', ru: 'Нет доступа к камере. Разрешите его в настройках браузера.', en: 'The camera was not allowed. Allow it in the browser’s settings.' },
  camera_missing: { ky: 'Бул түзмөктө камера табылган жок.', ru: 'На этом устройстве нет камеры.', en: 'This device has no camera.' },
  server_down: { ky: 'Сервер жооп берген жок. Байланышты текшерип, кайра аракет кылыңыз.', ru: 'Сервер не отвечает. Проверьте связь и попробуйте снова.', en: 'The server did not answer. Check your connection and try again.' },
  unavailable: { ky: 'Сервер бош эмес. Бир аздан кийин кайталаңыз.', ru: 'Сервер занят. Повторите чуть позже.', en: 'The server is busy. Try again in a moment.' },
  identification_failed: { ky: 'Идентификация аяктаган жок. Башынан баштаңыз.', ru: 'Идентификация не завершена. Начните сначала.', en: 'Identification did not finish. Start again.' },
  challenge_not_allowed: { ky: 'Бул шайлоодо бюллетенди текшерүүгө болбойт.', ru: 'На этих выборах проверка бюллетеня не предусмотрена.', en: 'This election does not offer challenging a ballot.' },
  invalid_point: { ky: 'Сервер бюллетенди кабыл алган жок: шифрлөө бузук. Кайра шифрлеңиз.', ru: 'Сервер не принял бюллетень: шифрование повреждено. Зашифруйте заново.', en: 'The server refused the ballot: its encryption is damaged. Encrypt it again.' },
  registrar_proof_invalid: {
    ky: 'Каттоочунун далили туура эмес: бул ыйгарым укукка ишенүүгө болбойт. Шайлоо комиссиясына кайрылыңыз.',
    ru: 'Доказательство регистратора неверно: этому мандату доверять нельзя. Обратитесь в избирательную комиссию.',
    en: 'The registrar’s proof is wrong: this credential cannot be trusted. Contact the election commission.',
  },
  invalid_proof: { ky: 'Сервер бюллетенди кабыл алган жок: далилдер туура эмес. Кайра шифрлеңиз.', ru: 'Сервер не принял бюллетень: доказательства неверны. Зашифруйте заново.', en: 'The server refused the ballot: its proofs are wrong. Encrypt it again.' },
  invalid_signature: { ky: 'Сервер бюллетенди кабыл алган жок: колтамга туура эмес. Кайра шифрлеңиз.', ru: 'Сервер не принял бюллетень: подпись неверна. Зашифруйте заново.', en: 'The server refused the ballot: its signature is wrong. Encrypt it again.' },
  malformed: { ky: 'Сервер сурамды түшүнгөн жок. Колдонмону жаңылап, кайра аракет кылыңыз.', ru: 'Сервер не понял запрос. Обновите приложение и попробуйте снова.', en: 'The server did not understand the request. Reload the app and try again.' },
  non_canonical: { ky: 'Сервер сурамды түшүнгөн жок. Колдонмону жаңылап, кайра аракет кылыңыз.', ru: 'Сервер не понял запрос. Обновите приложение и попробуйте снова.', en: 'The server did not understand the request. Reload the app and try again.' },
  wrong_ballot_style: { ky: 'Бул бюллетень сиздин округуңузга таандык эмес. Башынан баштаңыз.', ru: 'Этот бюллетень не для вашего округа. Начните сначала.', en: 'This ballot is not your district’s. Start again.' },
  precinct_not_bound: { ky: 'Сервер бюллетенди кабыл алган жок. Башынан баштаңыз.', ru: 'Сервер не принял бюллетень. Начните сначала.', en: 'The server refused the ballot. Start again.' },
  not_found: { ky: 'Шайлоо же бюллетень табылган жок.', ru: 'Выборы или бюллетень не найдены.', en: 'The election or the ballot was not found.' },
  unknown_id: { ky: 'Шайлоо же бюллетень табылган жок.', ru: 'Выборы или бюллетень не найдены.', en: 'The election or the ballot was not found.' },
  payload_too_large: { ky: 'Сүрөттөр өтө чоң. Кайра аракет кылыңыз.', ru: 'Снимки слишком большие. Попробуйте снова.', en: 'The pictures are too large. Try again.' },
  internal: { ky: 'Серверде ката кетти. Бир аздан кийин кайталаңыз.', ru: 'Ошибка на сервере. Повторите чуть позже.', en: 'The server had a fault. Try again in a moment.' },
  unknown: { ky: 'Күтүлбөгөн ката. Кайра аракет кылыңыз.', ru: 'Непредвиденная ошибка. Попробуйте снова.', en: 'Something unexpected went wrong. Try again.' },
};

function catalog(lang: Lang): Record<string, Record<string, string>> {
  const pick = (texts: Texts): Record<string, string> => Object.fromEntries(Object.entries(texts).map(([k, v]) => [k, v[lang]]));
  return { app: pick(TEXTS), errors: pick(ERRORS) };
}

const i18n = i18next.createInstance();
void i18n.init({
  initAsync: false,
  lng: 'ky',
  fallbackLng: 'ky',
  supportedLngs: [...LANGS],
  ns: ['app', 'errors'],
  defaultNS: 'app',
  resources: { ky: catalog('ky'), ru: catalog('ru'), en: catalog('en') },
  interpolation: { prefix: '{', suffix: '}', escapeValue: false },
  returnNull: false,
});

export function t(lang: Lang, key: string, vars: Record<string, string | number> = {}): string {
  return i18n.t(key, { lng: lang, ns: 'app', ...vars });
}

export function errorText(lang: Lang, code: string): string {
  const key = code in ERRORS ? code : 'unknown';
  return i18n.t(key, { lng: lang, ns: 'errors' });
}
