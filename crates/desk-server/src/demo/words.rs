//! The demo's vocabulary: names, streets, towns, banks, merchants, billers, employers, and the
//! templates ticket messages are written from. Data only.
//!
//! The generator picks from these lists by position, so adding, removing or reordering an entry
//! changes the generated set for every seed.

use super::people::Country;

// --- Merchants, billers, employers -------------------------------------------------------------

pub(super) struct Merchant {
    pub(super) name: &'static str,
    pub(super) online: bool,
    /// A local chain's country; `None` for those found everywhere.
    pub(super) country: Option<Country>,
    /// Smallest amount, minor units.
    pub(super) low: i64,
    /// Largest amount, minor units.
    pub(super) high: i64,
}

const fn shop(name: &'static str, low: i64, high: i64) -> Merchant {
    Merchant {
        name,
        online: false,
        country: None,
        low,
        high,
    }
}

const fn local(country: Country, name: &'static str, low: i64, high: i64) -> Merchant {
    Merchant {
        name,
        online: false,
        country: Some(country),
        low,
        high,
    }
}

const fn web(name: &'static str, low: i64, high: i64) -> Merchant {
    Merchant {
        name,
        online: true,
        country: None,
        low,
        high,
    }
}

pub(super) const MERCHANTS: &[Merchant] = &[
    local(Country::Gb, "Tesco", 350, 12_000),
    local(Country::Gb, "Sainsbury's", 400, 11_000),
    shop("Lidl", 300, 9_000),
    shop("Aldi", 300, 9_000),
    local(Country::Fr, "Carrefour", 500, 14_000),
    local(Country::Nl, "Albert Heijn", 300, 8_000),
    local(Country::De, "REWE", 400, 10_000),
    local(Country::Us, "Whole Foods Market", 800, 16_000),
    shop("Starbucks", 250, 1_200),
    local(Country::Gb, "Pret A Manger", 300, 1_500),
    local(Country::Gb, "Costa Coffee", 250, 900),
    local(Country::Gb, "Boots", 200, 4_500),
    local(Country::De, "dm-drogerie markt", 150, 3_500),
    shop("IKEA", 1_500, 60_000),
    shop("Decathlon", 1_000, 25_000),
    shop("H&M", 900, 12_000),
    shop("Zara", 1_500, 15_000),
    shop("MediaMarkt", 1_500, 120_000),
    shop("Shell", 2_500, 11_000),
    shop("BP", 2_500, 11_000),
    shop("TotalEnergies", 2_500, 11_000),
    local(Country::Gb, "Transport for London", 150, 900),
    local(Country::De, "Deutsche Bahn", 1_500, 14_000),
    local(Country::Fr, "SNCF", 1_500, 16_000),
    local(Country::Nl, "NS Reizigers", 300, 4_000),
    local(Country::Fr, "Le Petit Bistro", 1_800, 12_000),
    shop("Trattoria da Mario", 2_000, 14_000),
    local(Country::Gb, "Wagamama", 1_200, 6_500),
    local(Country::De, "Café Müller", 350, 2_500),
    web("Amazon", 599, 25_000),
    web("eBay", 800, 30_000),
    web("Zalando", 1_999, 18_000),
    web("bol.com", 999, 15_000),
    web("Apple", 99, 150_000),
    web("Google Play", 99, 2_999),
    web("Netflix", 799, 1_799),
    web("Spotify", 999, 1_799),
    web("Steam", 499, 6_999),
    web("Booking.com", 6_000, 90_000),
    web("Airbnb", 8_000, 120_000),
    web("Ryanair", 2_500, 30_000),
    web("easyJet", 3_000, 32_000),
    web("Lufthansa", 9_000, 120_000),
    web("KLM", 9_000, 110_000),
    web("Uber", 600, 6_000),
    web("Deliveroo", 1_200, 5_500),
];

pub(super) const BILLERS: &[(&str, i64, i64)] = &[
    ("British Gas", 4_000, 22_000),
    ("Vattenfall", 4_000, 20_000),
    ("EDF", 3_500, 19_000),
    ("Eneco", 4_000, 18_000),
    ("Vodafone Mobile", 1_500, 6_000),
    ("O2 Mobile", 1_200, 5_500),
    ("Council Tax", 9_000, 24_000),
    ("Allianz Insurance", 2_500, 14_000),
    ("Gym Membership", 1_999, 6_999),
];

pub(super) const EMPLOYERS: &[&str] = &[
    "Northwind Traders Ltd",
    "Contoso GmbH",
    "Fabrikam SARL",
    "Initech BV",
    "Globex Corporation",
    "Umbrella Health NHS Trust",
    "Tailspin Toys",
    "Wide World Importers",
];

// --- Tickets ---------------------------------------------------------------------------------

/// Subjects, the customer's opening message and the agent's answer.
pub(super) const TOPICS: &[(&str, &str, &str)] = &[
    (
        "Card declined at {merchant}",
        "Hi, my card was declined at {merchant} this morning even though there is money in \
         the account. Can you tell me why?",
        "The payment was stopped by our fraud checks. I've confirmed it was you, so it will go \
         through if you try again.",
    ),
    (
        "Unrecognised payment",
        "There is a payment of {amount} to {merchant} on my statement that I did not make.",
        "I've blocked the card and raised a dispute for that payment. A replacement card will \
         arrive within 5 working days.",
    ),
    (
        "Charged twice by {merchant}",
        "I was charged twice for the same order at {merchant}, {amount} each time.",
        "I can see both payments. I've disputed the second one; we'll update you within 10 \
         working days.",
    ),
    (
        "Lost card",
        "I lost my wallet on the train, please block my card straight away.",
        "I have blocked the card and ordered a replacement; it should arrive within 5 working \
         days.",
    ),
    (
        "Salary not received",
        "My salary should have arrived yesterday and I can't see it in my account.",
        "Incoming payments can take until the end of the day to appear. If it's still missing \
         tomorrow, please ask your employer for the payment reference.",
    ),
    (
        "Change of address",
        "I have moved house. How do I change the address on my account?",
        "You can change it in the app under Profile, Address, or reply with the new address \
         and a proof of residence.",
    ),
    (
        "App keeps logging me out",
        "The app logs me out every time I try to open my statements.",
        "Please update the app to the latest version and sign in again. If it keeps happening, \
         tell us your phone model.",
    ),
    (
        "Statement request",
        "Could you send me statements for the last three months please? I need them for a \
         mortgage application.",
        "Your statements have been sent to the address we hold for you.",
    ),
    (
        "Refund from {merchant} missing",
        "{merchant} says they refunded {amount} two weeks ago but it is not in my account.",
        "Refunds usually take 5 to 7 working days to reach the account. I'll check with the \
         merchant's bank.",
    ),
    (
        "Overdraft fee",
        "Why was I charged an overdraft fee? I was only overdrawn for a day.",
        "The fee applies when the account is overdrawn at the end of a day. As a one-off, I've \
         refunded it.",
    ),
    (
        "Direct debit cancelled by mistake",
        "I cancelled a direct debit by mistake, can it be restored?",
        "I've reinstated the direct debit; no payment was missed.",
    ),
    (
        "Suspicious text message",
        "I got a text saying my account is locked and asking me to click a link. Is it you?",
        "That message was not from us. Please don't click the link; I've reported it.",
    ),
    (
        "Close my account",
        "I would like to close my account and move the balance elsewhere. Tschüss!",
        "I'm sorry to see you go. Please confirm where the remaining balance should be sent.",
    ),
    (
        "Limite de carte",
        "Bonjour, je voudrais augmenter la limite de ma carte pour un achat de {amount} \
         chez {merchant}. Merci d'avance, Émilie",
        "Bonjour, la limite de votre carte est augmentée pour 30 jours. Bonne journée !",
    ),
];

/// Later messages from the customer, whatever the topic.
pub(super) const FOLLOW_UPS: &[&str] = &[
    "Thanks, that worked.",
    "Still not resolved, any update?",
    "OK, I'll wait to hear from you.",
    "Here are the details you asked for.",
    "I have attached a screenshot of the error.",
    "Can someone call me? This is urgent.",
    "It happened again today.",
    "Great, thank you for your help.",
];

/// Later replies from the agent, whatever the topic.
pub(super) const REPLIES: &[&str] = &[
    "Thanks for getting in touch. I'm looking into this now.",
    "Could you confirm the last four digits of the card, please?",
    "Sorry for the wait. I've passed this to the team that handles it and will update you \
     tomorrow.",
    "Thanks for confirming. Is there anything else I can help with?",
    "I've added a note to your account so my colleagues can see the history.",
];

pub(super) const NOTES: &[&str] = &[
    "Checked with fraud team, card blocked.",
    "Customer verified by DOB {dob}.",
    "Escalated to payments operations.",
    "Merchant confirmed duplicate charge; refund approved.",
    "Possible account takeover, opened a fraud case.",
    "Fee refunded as a goodwill gesture.",
    "Customer sounded distressed; offered a call back.",
];

// --- Names and places ------------------------------------------------------------------------

pub(super) const FIRST_NAMES: &[&str] = &[
    "José",
    "Zoë",
    "Łukasz",
    "Søren",
    "Olivia",
    "Liam",
    "Emma",
    "Noah",
    "Amelia",
    "Oliver",
    "Sophie",
    "Lucas",
    "Mia",
    "Elias",
    "Hannah",
    "Jonas",
    "Léa",
    "Hugo",
    "Chloé",
    "Louis",
    "Camille",
    "Jules",
    "Inès",
    "Mateo",
    "Lucía",
    "Pablo",
    "Sofía",
    "Alejandro",
    "Valentina",
    "Diego",
    "Giulia",
    "Marco",
    "Francesca",
    "Luca",
    "Aoife",
    "Siobhán",
    "Cian",
    "Niamh",
    "Seán",
    "Fionn",
    "Björn",
    "Astrid",
    "Lars",
    "Ingrid",
    "Magnus",
    "Freja",
    "Mikkel",
    "Sigrid",
    "Anna",
    "Jan",
    "Małgorzata",
    "Katarzyna",
    "Piotr",
    "Zofia",
    "Tomáš",
    "Petra",
    "Zoltán",
    "Réka",
    "Dmitri",
    "Olga",
    "Ayşe",
    "Mehmet",
    "Elif",
    "Emre",
    "Fatima",
    "Omar",
    "Layla",
    "Yusuf",
    "Amira",
    "Karim",
    "Priya",
    "Arjun",
    "Ananya",
    "Rohan",
    "Deepika",
    "Vikram",
    "Mei",
    "Wei",
    "Jun",
    "Hana",
    "Yuki",
    "Haruto",
    "Min-jun",
    "Seo-yeon",
    "Linh",
    "Minh",
    "Thảo",
    "Kwame",
    "Ama",
    "Chidi",
    "Ngozi",
    "Tunde",
    "Zainab",
    "Thabo",
    "Lerato",
    "Aroha",
    "Tane",
    "Kai",
    "Leilani",
    "Beatriz",
    "João",
    "Gabriel",
    "Émilie",
    "Jürgen",
];

pub(super) const LAST_NAMES: &[&str] = &[
    "Smith",
    "Jones",
    "Williams",
    "Taylor",
    "Brown",
    "Davies",
    "Evans",
    "Wilson",
    "Thomas",
    "Johnson",
    "Müller",
    "Schmidt",
    "Schneider",
    "Fischer",
    "Weber",
    "Schäfer",
    "Becker",
    "Hoffmann",
    "Martin",
    "Bernard",
    "Dubois",
    "Lefèvre",
    "Moreau",
    "Laurent",
    "Girard",
    "Fontaine",
    "García",
    "Fernández",
    "López",
    "Martínez",
    "Rodríguez",
    "Sánchez",
    "Pérez",
    "Rossi",
    "Russo",
    "Ferrari",
    "Esposito",
    "Bianchi",
    "Romano",
    "Silva",
    "Santos",
    "Oliveira",
    "Costa",
    "Pereira",
    "de Vries",
    "van den Berg",
    "Jansen",
    "Bakker",
    "Visser",
    "Smit",
    "Meijer",
    "Sørensen",
    "Nielsen",
    "Hansen",
    "Andersson",
    "Johansson",
    "Lindqvist",
    "Kowalski",
    "Nowak",
    "Wiśniewski",
    "Wójcik",
    "Novák",
    "Dvořák",
    "Horváth",
    "Nagy",
    "Ivanov",
    "Petrova",
    "Yılmaz",
    "Öztürk",
    "Kaya",
    "Demir",
    "Nguyễn",
    "Trần",
    "Lê",
    "Phạm",
    "Kim",
    "Lee",
    "Park",
    "Choi",
    "Wang",
    "Li",
    "Zhang",
    "Chen",
    "Liu",
    "Tanaka",
    "Suzuki",
    "Sato",
    "Patel",
    "Sharma",
    "Singh",
    "Gupta",
    "Khan",
    "Ahmed",
    "Hussain",
    "Okafor",
    "Adeyemi",
    "Mensah",
    "Mwangi",
    "Ndlovu",
    "O'Brien",
    "O'Connor",
    "Murphy",
    "Kelly",
    "MacDonald",
    "Al-Sayed",
    "Haddad",
    "Cohen",
];

pub(super) const GB_STREETS: &[&str] = &[
    "High Street",
    "Station Road",
    "Church Lane",
    "Victoria Road",
    "Mill Lane",
    "Park Avenue",
    "Queen's Road",
    "Acacia Avenue",
];
pub(super) const DE_STREETS: &[&str] = &[
    "Hauptstraße",
    "Bahnhofstraße",
    "Schillerstraße",
    "Goethestraße",
    "Gartenweg",
    "Lindenallee",
];
pub(super) const FR_STREETS: &[&str] = &[
    "rue de la Paix",
    "avenue Victor Hugo",
    "boulevard Saint-Michel",
    "rue du Faubourg Saint-Honoré",
    "place Bellecour",
    "rue des Écoles",
];
pub(super) const NL_STREETS: &[&str] = &[
    "Keizersgracht",
    "Damrak",
    "Stationsplein",
    "Coolsingel",
    "Oudegracht",
    "Kerkstraat",
];
pub(super) const US_STREETS: &[&str] = &[
    "Main Street",
    "Oak Avenue",
    "Maple Drive",
    "Elm Street",
    "Washington Boulevard",
    "Lakeview Terrace",
];

/// Towns and postcode districts; the rest of the postcode is random.
pub(super) const GB_TOWNS: &[(&str, &str)] = &[
    ("London", "SE1"),
    ("London", "N16"),
    ("Manchester", "M14"),
    ("Bristol", "BS6"),
    ("Leeds", "LS6"),
    ("Edinburgh", "EH9"),
    ("Cardiff", "CF24"),
    ("Glasgow", "G12"),
];
/// Towns and their first postcode.
pub(super) const DE_TOWNS: &[(&str, i32)] = &[
    ("Berlin", 10115),
    ("München", 80331),
    ("Hamburg", 20095),
    ("Köln", 50667),
    ("Frankfurt am Main", 60311),
    ("Leipzig", 4109),
];
/// Towns and their first postcode.
pub(super) const FR_TOWNS: &[(&str, i32)] = &[
    ("Paris", 75001),
    ("Lyon", 69001),
    ("Marseille", 13001),
    ("Toulouse", 31000),
    ("Nantes", 44000),
    ("Lille", 59000),
];
/// Towns and their first postcode (the digits).
pub(super) const NL_TOWNS: &[(&str, i32)] = &[
    ("Amsterdam", 1015),
    ("Rotterdam", 3011),
    ("Utrecht", 3511),
    ("Den Haag", 2511),
    ("Eindhoven", 5611),
];
/// Towns, their state and their first ZIP code.
pub(super) const US_TOWNS: &[(&str, &str, i32)] = &[
    ("Austin", "TX", 78701),
    ("Boston", "MA", 2108),
    ("Denver", "CO", 80202),
    ("Seattle", "WA", 98101),
    ("Chicago", "IL", 60601),
    ("Portland", "OR", 97201),
];

pub(super) const GB_BANKS: &[&str] = &[
    "NWBK", "BARC", "LOYD", "HBUK", "MIDL", "BUKB", "SRLG", "MONZ",
];
pub(super) const DE_BANKS: &[&str] = &[
    "37040044", "10070000", "50010517", "20041133", "70020270", "12030000",
];
pub(super) const FR_BANKS: &[&str] = &["30004", "30003", "20041", "10278", "30002", "18206"];
pub(super) const NL_BANKS: &[&str] = &["ABNA", "INGB", "RABO", "SNSB", "TRIO", "BUNQ", "KNAB"];

pub(super) fn country_cities(country: Country) -> &'static [&'static str] {
    match country {
        Country::Gb => &[
            "London",
            "Manchester",
            "Bristol",
            "Leeds",
            "Edinburgh",
            "Cardiff",
        ],
        Country::De => &[
            "Berlin",
            "München",
            "Hamburg",
            "Köln",
            "Frankfurt",
            "Leipzig",
        ],
        Country::Fr => &["Paris", "Lyon", "Marseille", "Toulouse", "Nantes", "Lille"],
        Country::Nl => &["Amsterdam", "Rotterdam", "Utrecht", "Den Haag", "Eindhoven"],
        Country::Us => &[
            "Austin", "Boston", "Denver", "Seattle", "Chicago", "Portland",
        ],
    }
}
