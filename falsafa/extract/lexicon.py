"""General English word lists the rules rely on.

Usage::

    from falsafa.extract.lexicon import HONORIFICS, SPEECH_VERBS, title_class
    title_class("Mrs")      # "mrs"
    "replied" in SPEECH_VERBS

These are generic linguistic resources (titles, speech verbs, function words,
calendar words, geography, common given names by gender, diminutives), not
lists drawn from any evaluation book. Words are stored lower case.
"""

from __future__ import annotations

from typing import Literal

__all__ = [
    "CALENDAR",
    "COMMON_CAPITALISED",
    "FEMALE_NAMES",
    "GAZETTEER",
    "HONORIFICS",
    "INSTITUTION_HEADS",
    "MALE_NAMES",
    "NATIONALITIES",
    "NICKNAMES",
    "NOT_PERSON",
    "PLACE_OF_NOUNS",
    "PLACE_PREPOSITIONS",
    "PLACE_WORDS",
    "SPEECH_VERBS",
    "Gender",
    "title_class",
    "title_gender",
]

Gender = Literal["female", "male", "unknown"]


def _words(s: str) -> frozenset[str]:
    return frozenset(s.split())


_MALE_TITLES = _words(
    "mr mister sir lord master monsieur m herr señor senor signor mynheer don king prince "
    "duke count earl baron marquis emperor tsar czar father brother uncle squire parson "
    "reverend rev bishop cardinal pope abbé abbe friar"
)
_MRS_TITLES = _words(
    "mrs missus madam madame mme lady dame frau señora senora signora donna queen princess "
    "mistress duchess countess baroness marquise marchioness empress tsarina mother aunt widow granny "
    "grandma grandmother"
)
_MISS_TITLES = _words(
    "miss mlle mademoiselle fräulein fraulein señorita senorita signorina ms sister"
)
_NEUTRAL_TITLES = _words(
    "dr doctor professor prof captain capt colonel col general gen major lieutenant lieut "
    "sergeant sergt corporal admiral commodore judge saint st cousin elder deacon governor "
    "president senator inspector constable officer nurse"
)
HONORIFICS: frozenset[str] = _MALE_TITLES | _MRS_TITLES | _MISS_TITLES | _NEUTRAL_TITLES
"""Words that stand before a name as a title ("Mr", "Aunt", "Captain")."""

# Military and professional titles were held by men in almost every book of
# the period, which is a better default than "unknown" for pronoun matching.
_MOSTLY_MALE = _words(
    "dr doctor professor prof captain capt colonel col general gen major lieutenant lieut "
    "sergeant sergt corporal admiral commodore judge governor president senator inspector "
    "constable officer deacon elder"
)


def title_gender(title: str) -> Gender:
    t = title.lower().rstrip(".")
    if t in _MALE_TITLES or t in _MOSTLY_MALE:
        return "male"
    if t in _MRS_TITLES or t in _MISS_TITLES:
        return "female"
    return "unknown"


def title_class(title: str | None) -> str:
    """Titles that may share one surname yet name different people.

    "Mrs Bennet" and "Miss Bennet" are mother and daughter; "Mr Bennet" and
    "Dr Bennet" are usually one man.
    """
    if not title:
        return ""
    t = title.lower().rstrip(".")
    if t in _MISS_TITLES:
        return "miss"
    if t == "master":
        return "master"
    if t in _MRS_TITLES:
        return "mrs"
    return "mr"


SPEECH_VERBS: frozenset[str] = _words(
    "said says say saying cried cries cry asked asks ask asking replied replies reply "
    "answered answers answer returned return exclaimed exclaims added adds continued "
    "continues observed observes remarked remarks rejoined shouted shouts called calls "
    "whispered whispers murmured murmurs muttered mutters repeated repeats began begins "
    "went inquired enquired inquires enquires declared declares responded responds "
    "explained explains interrupted interposed urged pleaded protested demanded demands "
    "suggested suggests sighed laughed groaned growled snapped retorted insisted "
    "observed stammered faltered screamed yelled roared sobbed gasped breathed "
    "thought thinks wrote writes told tells concluded resumed persisted ventured "
    "admitted agreed assented acknowledged confessed added announced remarked "
    "put chimed corrected echoed hissed grumbled mused objected proceeded reflected "
    "smiled grinned nodded bawled blurted boomed chuckled drawled giggled howled "
    "lisped moaned panted quoth sang shrieked sneered spluttered squeaked stuttered "
    "whimpered wailed warned wondered"
)
"""Verbs that introduce or tag direct speech ("said", "cried", "returned")."""

# Words that are capitalised for reasons other than naming a person: function
# words at sentence starts, interjections, pronouns, calendar words, deities
# used as exclamations, and generic nouns of address.
COMMON_CAPITALISED: frozenset[str] = _words(
    "i a an the and new san santa los las fort port mount lake cape saturdays sundays mondays dec jan feb mar apr jun jul aug sep sept oct nov esq but or nor for so yet if then than when whenever where wherever while "
    "whilst though although because since unless until till after before as at by in on "
    "of off out over under up down with without within into onto upon to from about above "
    "across against along among around behind below beneath beside besides between beyond "
    "during except inside near outside through throughout toward towards he she it we they "
    "you me him her us them his hers its our ours their theirs my mine your yours this "
    "that these those who whom whose what which why how there here now not no yes yea nay "
    "oh o ah aha alas ay aye eh ha hey hi hello hallo hullo hum hush lo pooh pshaw well "
    "why wow dear poor good bad old young little great all any both each every few many "
    "more most much none one two three four five six seven eight nine ten first second "
    "third last next other some such only just even also still perhaps indeed surely "
    "eleven twelve twenty thirty forty fifty sixty seventy eighty ninety hundred thousand "
    "million "
    "certainly never ever always often sometimes again once twice thus hence however "
    "therefore meanwhile instead nevertheless moreover presently suddenly soon then "
    "do does did done doing is am are was were be been being have has had having shall "
    "should will would can could may might must let come go look see say tell ask "
    "please thank thanks sorry goodbye good-bye farewell welcome amen nothing something "
    "anything everything nobody somebody anybody everybody someone anyone everyone "
    "myself yourself himself herself itself ourselves themselves mrs mr miss ms sir madam "
    "thou thee thy thine ye mummy maman mum euer hochgeboren "
    "chapter book part volume letter section page note preface introduction contents "
    "end finis illustration footnote appendix index epilogue prologue stave canto "
    "january february march april may june july august september october november "
    "december monday tuesday wednesday thursday friday saturday sunday christmas easter "
    "god lord heaven heavens christ jesus providence lordship ladyship majesty highness "
    "excellency honour honor grace reverence worship devil satan hell paradise "
    "english french german russian italian spanish dutch irish scotch scottish welsh "
    "british american indian african european asiatic asian chinese japanese turkish "
    "greek roman latin jewish christian catholic protestant negro negroes yankee "
    "north south east west northern southern eastern western mister mamma mama papa pa "
    "ma mother father mammy daddy grandmother grandfather uncle aunt brother sister "
    "sire monsieur madame mademoiselle herr frau signor signora ladies gentlemen "
    "captain colonel doctor professor judge king queen prince princess duke duchess "
    "count countess emperor empress general major lieutenant sergeant "
    "ok okay gad egad zounds faith bless damn dammit hang mercy gracious goodness "
    "street road lane square park hall house court abbey church castle bridge river "
    "hill island bay sea ocean mountain mountains lake forest wood place gardens row "
    "terrace inn college school club company hotel palace cathedral valley city county "
    "town village state kingdom empire republic army navy regiment government parliament "
    "bible gospel testament psalm psalms scripture"
)

CALENDAR: frozenset[str] = _words(
    "january february march april may june july august september october november "
    "december monday tuesday wednesday thursday friday saturday sunday christmas easter "
    "michaelmas whitsun whitsuntide midsummer lent candlemas yule hallowmas martinmas "
    "lammas shrove epiphany advent pentecost sabbath"
)
"""Months, days of the week and feasts: a capitalised date is never a person."""

NATIONALITIES: frozenset[str] = _words(
    "english french german russian italian spanish dutch irish scotch scottish welsh "
    "british american indian african european asiatic asian chinese japanese turkish "
    "greek roman yankee"
)
"""Nationality words: capitalised adjectives, but also nicknames ("Irish murmured")."""

NOT_PERSON: frozenset[str] = _words(
    "god lord heaven heavens christ jesus providence devil satan hell paradise nature "
    "fate fortune death time love truth chapter book part volume i "
    "englishman englishmen frenchman frenchmen dutchman dutchmen irishman irishmen "
    "scotchman scotsman welshman chinaman yankees frenchwoman englishwoman guardsman "
    "jew jews jewess hebrew gentile saviour savior redeemer creator almighty creation "
    "matins vespers"
)
"""Words that must never be a character's whole name."""

GAZETTEER: frozenset[str] = _words(
    "england scotland ireland wales britain france germany italy spain portugal russia "
    "prussia austria hungary poland holland belgium switzerland sweden norway denmark "
    "greece turkey egypt india china japan persia arabia africa america europe asia "
    "australia canada mexico brazil peru chile siberia iceland greenland lapland "
    "london paris rome berlin vienna moscow petersburg venice naples florence madrid "
    "lisbon athens constantinople dublin edinburgh glasgow liverpool manchester bristol "
    "bath oxford cambridge york boston philadelphia chicago washington baltimore orleans "
    "francisco virginia carolina georgia kentucky tennessee massachusetts connecticut "
    "vermont maine ohio texas arizona california colorado nevada oregon missouri "
    "mississippi alabama louisiana maryland pennsylvania jersey jamaica indies "
    "thames seine rhine danube nile mediterranean atlantic pacific arctic alps "
    "pyrenees kent surrey sussex essex devon cornwall yorkshire derbyshire "
    "hampshire somerset somersetshire dorset norfolk suffolk westminster "
    "utah idaho montana wyoming nebraska kansas dakota oklahoma arkansas iowa minnesota "
    "wisconsin michigan illinois indiana delaware florida alaska hawaii quebec montreal "
    "toronto havana cuba cairo calcutta bombay delhi madras bengal peking pekin canton "
    "shanghai tokyo jerusalem damascus bagdad baghdad smyrna algiers morocco tunis "
    "warsaw prague munich hamburg dresden leipzig frankfort frankfurt brussels amsterdam "
    "rotterdam antwerp geneva milan genoa turin marseilles lyons bordeaux calais dover "
    "brighton kiev odessa stockholm copenhagen"
)
"""Countries, large cities, regions, rivers and seas."""

PLACE_WORDS: frozenset[str] = _words(
    "street st road rd lane square park hall house court abbey church chapel castle "
    "bridge river hill hills island islands bay sea ocean mountain mountains mount lake "
    "forest wood woods place gardens garden row terrace inn tavern college school "
    "university club company hotel palace cathedral valley city county town village "
    "state states kingdom empire republic street avenue station farm manor lodge "
    "cottage grange priory heights fields common green downs moor harbour harbor port "
    "point cape coast desert canyon creek falls springs gulf strait channel sound "
    "ranch mine mills works bank office theatre theater museum library prison gaol "
    "hospital asylum barracks fort tower gate gates cross market exchange "
    "prospect boulevard embankment canal quay wharf bazaar"
)
"""Words that end the name of a place or institution ("Netherfield Park")."""

INSTITUTION_HEADS: frozenset[str] = _words(
    "review magazine gazette journal chronicle herald times courier mercury quarterly "
    "society association institute institution academy lyceum ministry department "
    "infantry cavalry artillery guards hussars dragoons grenadiers brigade battalion "
    "division corps fusiliers rifles mystery affair case term age era revolution treaty "
    "quarter quarters railway line"
)
"""Words that end the name of an institution, a regiment, a publication, an
affair or a period ("Periodical Review", "Light Infantry", "Michaelmas Term",
"Golden Age"): such a name is never a person's."""

PLACE_OF_NOUNS: frozenset[str] = _words(
    "battle battles field battlefield siege town city village suburb suburbs section "
    "quarter province provinces duchy principality kingdom prison walls gates streets "
    "environs outskirts neighbourhood neighborhood inhabitants natives native citizens "
    "burning abandonment surrender capture occupation evacuation bishop archbishop "
    "parish district county cathedral heights plain plains banks"
)
"""Nouns whose "of" names a place ("the battle of X", "the prison of X",
"a native of X"); people follow "of" after other nouns ("the wife of X")."""

PLACE_PREPOSITIONS: frozenset[str] = _words(
    "in at into near towards toward through across beyond within throughout inside "
    "outside from via reached visited reach visit"
)

# Common English given names of the eighteenth to early twentieth centuries.
MALE_NAMES: frozenset[str] = _words(
    "aaron abel abraham adam adolphus albert alexander alfred algernon allan alonzo "
    "ambrose amos andrew anthony antony archibald arthur augustus austin barnabas "
    "bartholomew basil ben benjamin bernard bertram bill billy bob bobby caleb cecil "
    "charles charley charlie christopher clarence claude clement cuthbert cyril dan "
    "daniel david denis dennis dick dolph donald douglas dudley duncan ebenezer edgar "
    "edmund edward edwin eli elias elijah enoch ephraim ernest eugene ezra felix "
    "ferdinand francis frank fred freddy frederick gabriel geoffrey george gerald gilbert "
    "giles godfrey gregory guy harold harry hector henry herbert horace horatio hubert "
    "hugh humphrey ian isaac ivan jack jacob jake james jamie jasper jeff jeremiah jeremy "
    "jerry jesse jim jimmy joe joel john johnny jonathan joseph joshua josiah jock "
    "julian julius lawrence laurence leo leonard leopold lewis lionel louis lucas luke "
    "malcolm mark martin matthew maurice max michael mike morgan moses nathan nathaniel "
    "ned nicholas nick noah oliver oscar owen patrick paul percy peter philip phil pierre "
    "ralph randolph raymond reginald reuben richard rob robert robin roderick rodolph "
    "roger ronald rudolf rudolph rufus rupert sam sammy samuel saul sebastian seth "
    "sidney silas simon solomon stanley stephen steve teddy ted theodore thomas tim "
    "timothy toby tom tommy tony victor vincent walter wat wilfred will willie william "
    "willy zachary andrei andrey nikolai nicholas pyotr sergei dmitri fyodor ilya vasili "
    "rodion alexei mikhail boris anatole hippolyte jean jacques henri louis charles"
)
FEMALE_NAMES: frozenset[str] = _words(
    "abigail ada adela adelaide agatha agnes alice amelia amy angela ann anna annabel charity felicity verity "
    "anne annie arabella augusta barbara beatrice becky bella bertha bess bessie beth "
    "betsy betty blanche bridget caroline catherine cecilia cecily celia charlotte "
    "christina clara clarissa constance cora cornelia daisy deborah diana dinah dolly "
    "dora dorothea dorothy edith eleanor elinor eliza elizabeth ella ellen emily emma "
    "esther ethel eugenia eva eve evelyn fanny flora florence frances georgiana "
    "georgina gertrude grace hannah harriet harriett helen helena henrietta hester "
    "hetty hilda honora ida isabel isabella jane janet jemima jenny jessie jo joan "
    "josephine judith judy julia juliet kate katharine katherine kathleen kitty laura "
    "lavinia leonora letitia lilian lillian lily lizzie lizzy lottie louisa louise "
    "lucy lydia mabel madeline maggie margaret margery maria marian marianne marie "
    "martha mary matilda maud maude meg milly minnie miriam molly nancy nell nellie "
    "nora olivia patience pauline peggy penelope phoebe polly priscilla rachel rebecca "
    "rhoda rosa rosamond rose ruth sally sallie sarah selina sophia sophie susan "
    "susanna sybil sylvia teresa theresa ursula victoria violet virginia winifred "
    "natasha sonya sonia marya mary anna helene liza vera dunya avdotya katerina "
    "nastasya pulcheria winnie carrie hattie mattie sadie effie euphemia nettie tess tessie"
)

NICKNAMES: dict[str, frozenset[str]] = {
    nick: _words(full)
    for nick, full in {
        "lizzy": "elizabeth",
        "lizzie": "elizabeth",
        "liz": "elizabeth",
        "beth": "elizabeth",
        "bess": "elizabeth",
        "bessie": "elizabeth",
        "betsy": "elizabeth",
        "betty": "elizabeth",
        "eliza": "elizabeth",
        "kitty": "catherine katharine katherine",
        "kate": "catherine katharine katherine",
        "katy": "catherine katharine katherine",
        "meg": "margaret",
        "maggie": "margaret",
        "peggy": "margaret",
        "madge": "margaret",
        "polly": "mary",
        "molly": "mary",
        "mamie": "mary",
        "jo": "josephine joseph",
        "josie": "josephine",
        "nell": "helen eleanor ellen",
        "nellie": "helen eleanor ellen",
        "jenny": "jane janet",
        "jennie": "jane janet",
        "nan": "ann anne anna",
        "nancy": "ann anne anna",
        "annie": "ann anne anna",
        "fanny": "frances",
        "sally": "sarah",
        "sallie": "sarah",
        "sukey": "susan susanna",
        "sue": "susan susanna",
        "patsy": "martha",
        "mattie": "martha matilda",
        "winnie": "winifred",
        "carrie": "caroline",
        "hattie": "harriet",
        "sadie": "sarah",
        "effie": "euphemia",
        "tess": "teresa theresa",
        "tessie": "teresa theresa",
        "patty": "martha",
        "dolly": "dorothy",
        "dora": "dorothea dorothy",
        "milly": "millicent mildred",
        "tilly": "matilda",
        "bob": "robert",
        "bobby": "robert",
        "rob": "robert",
        "robin": "robert",
        "bill": "william",
        "billy": "william",
        "will": "william",
        "willie": "william",
        "willy": "william",
        "dick": "richard",
        "rick": "richard",
        "tom": "thomas",
        "tommy": "thomas",
        "harry": "henry harold",
        "hal": "henry",
        "jack": "john",
        "jerry": "jeremiah gerald gerard",
        "johnny": "john",
        "jim": "james",
        "jimmy": "james",
        "jamie": "james",
        "ned": "edward edmund",
        "ted": "edward theodore",
        "teddy": "edward theodore",
        "ed": "edward edwin",
        "ben": "benjamin",
        "sam": "samuel",
        "sammy": "samuel",
        "fred": "frederick",
        "freddy": "frederick",
        "charley": "charles",
        "charlie": "charles",
        "dan": "daniel",
        "danny": "daniel",
        "joe": "joseph",
        "tony": "anthony antony",
        "nick": "nicholas",
        "phil": "philip",
        "pip": "philip",
        "steve": "stephen",
        "stevie": "stephen",
        "andy": "andrew",
        "archie": "archibald",
        "bert": "albert herbert",
        "alf": "alfred",
        "nat": "nathaniel nathan",
        "matt": "matthew",
        "mike": "michael",
        "pete": "peter",
        "tim": "timothy",
        "toby": "tobias",
        "sandy": "alexander",
        "alec": "alexander",
        "rodya": "rodion",
        "dounia": "avdotya",
        "dunya": "avdotya",
        "natasha": "natalya",
        "sonya": "sofya sophia",
        "petya": "pyotr peter",
        "nikolenka": "nikolai nicholas",
        "andrusha": "andrei andrey",
        "lise": "elizabeth",
        "seryozha": "sergei",
    }.items()
}
"""Diminutive -> the formal given names it usually stands for."""
