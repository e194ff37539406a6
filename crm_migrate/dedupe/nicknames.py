"""First-name equivalence: nicknames and diminutives (English, German, French, Spanish, Italian...)."""

from __future__ import annotations

import unicodedata
from functools import lru_cache

# canonical name: its diminutives and spelling variants (lower-case, accents folded).
# A diminutive may belong to several names ("al": albert, alan, alexander, alfred).
NICKNAME_GROUPS: dict[str, tuple[str, ...]] = {
    # English
    "abigail": ("abby", "abbie", "gail"),
    "abraham": ("abe", "bram"),
    "adelaide": ("addie", "ada", "heidi"),
    "albert": ("al", "bert", "bertie", "albie"),
    "alan": ("al", "allan", "allen", "alen"),
    "alexander": ("alex", "al", "alec", "alek", "sandy", "sasha", "sascha", "xander", "lex",
                  "alexandre", "alejandro", "alessandro", "aleksandr", "aleksander", "sandro",
                  "alejo", "xandi"),
    "alexandra": ("alex", "alexa", "sandra", "sandy", "sasha", "lexi", "lexie", "alejandra",
                  "alessandra", "alexandrine"),
    "alfred": ("al", "alf", "alfie", "fred", "freddie", "alfredo", "fredo"),
    "alice": ("ally", "allie", "alicia", "alison", "alisa"),
    "alonzo": ("lon", "lonnie", "alonso"),
    "amanda": ("mandy", "manda"),
    "andrew": ("andy", "drew", "andre", "andreas", "andres", "andrea", "andi", "res", "anders"),
    "angela": ("angie", "angelika", "angelique"),
    "anne": ("ann", "anna", "annie", "nan", "nancy", "nanette", "anni", "annette", "anita", "anja",
             "anya"),
    "anthony": ("tony", "ant", "antonio", "anton", "toni", "antoine", "tonio", "antonius"),
    "antonia": ("toni", "tonia", "antonie", "tonya"),
    "arnold": ("arnie", "arni"),
    "arthur": ("art", "artie", "arturo", "arthus"),
    "augustus": ("gus", "august", "augusto", "gustl"),
    "barbara": ("barb", "barbie", "babs", "bab", "barbi", "babette"),
    "benjamin": ("ben", "benji", "benny", "benjy", "benjamim"),
    "bernard": ("bernie", "bernhard", "bernardo", "bern", "bernd"),
    "beatrice": ("bea", "trixie", "beatrix", "bee", "beatriz"),
    "bradley": ("brad",),
    "bridget": ("bridgette", "biddy", "brigitte", "gitte", "birgit", "brigitta"),
    "calvin": ("cal",),
    "catherine": ("cathy", "cath", "kate", "katie", "kat", "kathy", "kitty", "katherine",
                  "kathryn", "katharine", "katharina", "katarina", "catalina", "catarina",
                  "caterina", "katrin", "kathrin", "katja", "trina", "cate", "kay", "kaye",
                  "katrina", "karen", "karin", "kaethe", "kathi", "cathrine"),
    "charles": ("charlie", "chuck", "chas", "chaz", "carl", "karl", "carlos", "carlo", "charly",
                "karel", "carles"),
    "charlotte": ("lottie", "lotte", "charlie", "carlota", "carlotta", "lotta"),
    "christian": ("chris", "christoph", "kris", "cristian", "christiaan", "krischan"),
    "christina": ("chris", "christine", "tina", "chrissy", "kristin", "kristina", "christa",
                  "kirsten", "kerstin", "cristina", "kris", "stina", "tine"),
    "christopher": ("chris", "kit", "topher", "christoph", "cristobal", "christophe",
                    "kristopher", "cristoforo", "stoffel"),
    "clifford": ("cliff",),
    "cornelius": ("neil", "connie", "cornel", "kees", "nils"),
    "cynthia": ("cindy", "cyndi", "cindi"),
    "daniel": ("dan", "danny", "dani", "dany", "danilo"),
    "david": ("dave", "davy", "davey", "davide", "davi"),
    "deborah": ("debbie", "deb", "debby", "debra"),
    "dennis": ("denny", "denis", "dionysius"),
    "diana": ("di", "diane", "dianne", "dee"),
    "dominic": ("dom", "nick", "dominik", "domenico", "domingo", "dominique"),
    "donald": ("don", "donnie", "donny"),
    "dorothy": ("dot", "dottie", "dolly", "dora", "dorothea", "doro", "thea"),
    "douglas": ("doug", "dougie"),
    "edward": ("ed", "eddie", "eddy", "ned", "ted", "teddy", "ted", "eduard", "eduardo",
               "edouard", "edoardo", "lalo", "edu"),
    "edwin": ("ed", "eddie", "win", "ned"),
    "edmund": ("ed", "eddie", "ned", "ted", "edmond", "edmundo"),
    "eleanor": ("ellie", "nell", "nellie", "nora", "elly", "elena", "eleonore", "leonor", "lena",
                "elenor", "elinor", "ella"),
    "elizabeth": ("liz", "lizzie", "lizzy", "beth", "betty", "bette", "betsy", "bess", "bessie",
                  "eliza", "elisa", "elise", "elsa", "elsie", "libby", "lisa", "liza", "lisbeth",
                  "elisabeth", "ilse", "elisabetta", "isabel", "betti", "lilibeth", "babette",
                  "ellie", "isabella", "isabelle", "lis", "lise", "lisette", "bettina", "sisi",
                  "sissi", "elli"),
    "emily": ("em", "emmy", "emilie", "emilia", "milly", "millie", "emmi"),
    "emma": ("em", "emmy", "emmi"),
    "eugene": ("gene", "eugen", "eugenio", "geno"),
    "evelyn": ("eve", "evie", "lynn", "eva", "evi"),
    "ezekiel": ("zeke",),
    "florence": ("flo", "florrie", "flossie", "florentine"),
    "frances": ("fran", "frannie", "fanny", "francine", "francesca", "francisca", "franziska",
                "franzi", "francoise", "paquita", "frankie"),
    "francis": ("frank", "fran", "frankie", "franz", "francesco", "francisco", "francois",
                "franco", "paco", "pancho", "curro", "frans", "franzl", "cisco", "fran"),
    "frederick": ("fred", "freddie", "freddy", "fritz", "frederic", "friedrich", "federico",
                  "fede", "rick", "ricky", "frido", "frieder", "fredrik"),
    "gabriel": ("gabe", "gabi", "gaby", "gabriele", "gabriela", "gabrielle", "gavril"),
    "geoffrey": ("geoff", "jeff", "jeffrey", "jeffery"),
    "george": ("georgie", "jorge", "georg", "giorgio", "jorg", "joerg", "jurgen", "juergen",
               "schorsch", "geo"),
    "gerald": ("gerry", "jerry", "gerard", "gerhard", "gerardo", "gerd", "gert"),
    "gertrude": ("gertie", "trudy", "trudi", "gerda", "trude"),
    "gilbert": ("gil", "bert", "gilberto"),
    "gregory": ("greg", "gregor", "gregorio", "gregoire", "grigory"),
    "harold": ("hal", "harry", "harald"),
    "helen": ("nell", "nellie", "ellen", "elaine", "helena", "helene", "lena", "elena", "leni",
              "ellie", "ella"),
    "henry": ("harry", "hank", "hal", "hen", "heinrich", "heinz", "hein", "henri", "enrique",
              "enrico", "kike", "henrik", "hendrik", "rico", "quique"),
    "herbert": ("herb", "bert", "herbie"),
    "howard": ("howie", "hal"),
    "isaac": ("ike", "zack", "isaak"),
    "isabel": ("izzy", "bella", "belle", "isabella", "isabelle", "isa", "chabela", "sabel"),
    "jacob": ("jake", "jack", "jakob", "jacobo", "jaime", "jacques", "kuba", "jaap"),
    "james": ("jim", "jimmy", "jamie", "jimmie", "jem", "jaime", "diego", "santiago",
              "giacomo", "jacques", "jameson"),
    "jane": ("janie", "jan", "jenny", "jean", "jeanne", "janet", "jeannette", "jana"),
    "janet": ("jan", "jen", "jenny", "janette"),
    "jennifer": ("jen", "jenny", "jenn", "jennie", "jenni", "jeni"),
    "jeremiah": ("jerry", "jeremy", "jem"),
    "jerome": ("jerry", "jeronimo", "hieronymus", "gerolamo"),
    "jessica": ("jess", "jessie", "jessi"),
    "joanna": ("jo", "joan", "joanne", "johanna", "hanna", "hanne", "jana", "jojo", "juana",
               "giovanna", "jeanne"),
    "john": ("jack", "johnny", "jon", "jonny", "johann", "johannes", "hans", "hannes", "jan",
             "jean", "juan", "giovanni", "gianni", "ivan", "jens", "sean", "shaun", "shawn",
             "evan", "ian", "iain", "jock", "jonathan", "johan", "jo", "joao", "juanito",
             "hansi", "jannik", "jannick", "vanni", "ewan", "owen"),
    "jonathan": ("jon", "jonny", "johnny", "nathan", "jonathon"),
    "joseph": ("joe", "joey", "jo", "jose", "josef", "sepp", "seppi", "beppe", "giuseppe",
               "pepe", "pepito", "pino", "peppino", "jupp", "josep", "joseba", "chepe"),
    "josephine": ("jo", "josie", "josefina", "josefine", "pepa", "pepita", "fina", "fifi",
                  "giuseppina"),
    "joshua": ("josh",),
    "judith": ("judy", "judi", "jodi", "jutta"),
    "julia": ("jules", "julie", "juliet", "julienne", "juliane", "jule", "julita"),
    "julian": ("jules", "julius", "julien", "julio", "giuliano", "jules"),
    "katherine": ("kate", "katie", "kathy", "kat", "kit", "kitty", "catherine", "kathryn", "kay"),
    "kenneth": ("ken", "kenny", "kent"),
    "lawrence": ("larry", "laurie", "lars", "lorenz", "lorenzo", "laurent", "enzo", "lenz",
                 "laurence", "lauro"),
    "leonard": ("leo", "len", "lenny", "leon", "leonhard", "leonardo", "leonhardt"),
    "lewis": ("lou", "louie", "louis", "luis", "ludwig", "luigi", "lutz", "lucho", "ludovic",
              "alois", "aloys"),
    "louise": ("lou", "lulu", "louisa", "luisa", "luise", "lise"),
    "margaret": ("maggie", "meg", "peggy", "marge", "margie", "madge", "daisy", "greta",
                 "gretchen", "grete", "margarete", "margarethe", "margarita", "margherita",
                 "marguerite", "margot", "rita", "marga", "gretel", "molly", "megan", "maisie",
                 "mags", "peg", "margarida", "marjorie", "margit", "meta", "gitta"),
    "martha": ("marty", "mattie", "patty", "marta", "marthe"),
    "martin": ("marty", "martino", "martijn", "tino", "martim"),
    "mary": ("molly", "polly", "mae", "may", "mamie", "mimi", "maria", "marie", "mia", "mitzi",
             "maja", "maike", "mareike", "marija", "mariela", "maribel", "marita", "maryann",
             "maura", "moira", "maureen", "mari", "mariam", "miriam", "mirjam"),
    "matthew": ("matt", "matty", "mat", "mateo", "matteo", "matthias", "mathias", "mathieu",
                "matthieu", "matias", "matthaeus", "hias", "thies"),
    "michael": ("mike", "mick", "micky", "mickey", "mikey", "mitch", "michel", "michele",
                "miguel", "michal", "michi", "micha", "mikhail", "misha", "mischa", "mikel",
                "mikael", "mikkel", "miguelito"),
    "michelle": ("shelly", "michele", "micheline", "chelle"),
    "mildred": ("millie", "milly"),
    "nathaniel": ("nate", "nat", "nathan", "natty"),
    "nicholas": ("nick", "nicky", "nico", "nicolas", "nikolaus", "niklas", "klaus", "claus",
                 "nils", "niko", "nicola", "nicolo", "niccolo", "colin", "cole", "nikolai",
                 "nikolas", "kolya", "nicol"),
    "nicole": ("nicky", "nikki", "nicki", "cole", "nicola", "colette"),
    "oliver": ("ollie", "olly", "olivier", "oliverio", "olli"),
    "patricia": ("pat", "patty", "patsy", "tricia", "trish", "trisha", "patti", "paddy",
                 "patrizia", "patrice"),
    "patrick": ("pat", "paddy", "patty", "rick", "patrice", "patricio", "patrizio", "pádraig",
                "padraig"),
    "paul": ("pauly", "pablo", "paolo", "paulo", "pavel", "paulus", "pol"),
    "peter": ("pete", "petey", "pedro", "pierre", "pietro", "piet", "pit", "petr", "piotr",
              "peer", "per", "perico", "peterle"),
    "philip": ("phil", "pip", "phillip", "philipp", "philippe", "felipe", "filippo", "pippo",
               "flip", "lipe"),
    "rachel": ("rae", "ray", "shelley", "raquel", "rahel"),
    "raymond": ("ray", "raimund", "raymund", "ramon", "raimondo", "mundo"),
    "rebecca": ("becky", "becca", "beckie", "reba", "rebekka", "rebeca", "becki"),
    "richard": ("dick", "rick", "ricky", "rich", "richie", "rico", "ricardo", "riccardo",
                "richi", "dickie", "ricard", "rik", "rikki"),
    "robert": ("bob", "bobby", "rob", "robbie", "robby", "bert", "roberto", "robin", "ruprecht",
               "rupert", "robbe", "beto", "tito", "bobbie", "robertus"),
    "roberta": ("bobbie", "robbie", "robin", "berta", "bertha"),
    "roger": ("rog", "rodger", "rogerio", "ruediger", "rudiger"),
    "ronald": ("ron", "ronnie", "ronny", "ronaldo", "renaldo", "reynaldo"),
    "rose": ("rosie", "rosa", "rosalind", "rosalie", "rosemary", "rosi", "rosita"),
    "rudolph": ("rudy", "rudi", "rudolf", "rodolfo", "dolph", "rodolphe", "ruedi"),
    "russell": ("russ", "rusty"),
    "samuel": ("sam", "sammy", "samu", "samy"),
    "samantha": ("sam", "sammy", "sammie"),
    "sarah": ("sara", "sally", "sadie", "sal", "sari", "zara", "sarita"),
    "sebastian": ("seb", "bastian", "basti", "sebastien", "sebastiano", "sebas", "bas", "wastl"),
    "stephen": ("steve", "steven", "stevie", "stephan", "stefan", "stefano", "etienne",
                "esteban", "steffen", "stef", "steph", "stevo", "istvan"),
    "stephanie": ("steph", "stephie", "stefanie", "steffi", "stefania", "fanny", "estefania",
                  "stef"),
    "susan": ("sue", "susie", "suzy", "susanne", "suzanne", "susanna", "susana", "sanne",
              "zsuzsa", "suse", "susi"),
    "theodore": ("ted", "teddy", "theo", "theodor", "teodoro", "dorian", "tad"),
    "theresa": ("terry", "tess", "tessa", "tessie", "teresa", "therese", "resi", "tere", "reza",
                "thérèse", "teri", "terri"),
    "thomas": ("tom", "tommy", "thom", "tomas", "tomasz", "tommaso", "tomás", "thoma", "tomi",
               "toms", "tam", "tommie"),
    "timothy": ("tim", "timmy", "timo", "timoteo", "timothee", "timotheus"),
    "valentine": ("val", "valentin", "valentino", "vale"),
    "veronica": ("ronnie", "roni", "vera", "veronika", "vroni", "vero", "veronique"),
    "victor": ("vic", "vick", "viktor", "vittorio", "vitor"),
    "victoria": ("vicky", "vicki", "tori", "vickie", "viktoria", "vittoria", "toria"),
    "vincent": ("vince", "vinnie", "vinny", "vincenzo", "vicente", "enzo", "vinzenz", "vinz",
                "chente", "cenzo"),
    "virginia": ("ginny", "ginger", "jinny", "virginie"),
    "walter": ("walt", "wally", "walther", "gualtiero", "walti", "wat"),
    "william": ("bill", "billy", "will", "willy", "willie", "liam", "wil", "wilhelm", "willi",
                "guillermo", "guglielmo", "guillaume", "memo", "willem", "wim", "helm", "willis",
                "bilbo", "guille"),
    "wilhelmina": ("mina", "minnie", "willa", "wilma", "helma", "elma", "mina"),
    "winifred": ("winnie", "freda", "wini"),
    "zachary": ("zach", "zack", "zak", "zac"),
    # German
    "johannes": ("hans", "hannes", "johann", "jan", "jo", "hansi", "hanns", "hansjorg", "jens",
                 "jannes", "john"),
    "josef": ("sepp", "seppl", "joschi", "jupp", "pepi", "beppo", "joseph", "jose", "peppi"),
    "wolfgang": ("wolf", "wolfi", "wolle"),
    "friedrich": ("fritz", "fred", "frieder", "friedel", "fritzi", "frederick"),
    "heinrich": ("heinz", "hein", "heini", "henry", "hinrich", "hinz", "henning"),
    "konrad": ("kurt", "conny", "konni", "conrad", "kuno"),
    "ulrich": ("uli", "ulli", "ueli", "utz"),
    "matthias": ("matze", "mathis", "hias", "matti", "matthew", "mathias", "thies"),
    "andreas": ("andi", "anderl", "resi", "res", "andrew", "andres", "andre"),
    "bernhard": ("bernd", "benno", "bernie", "bernard", "berni"),
    "dietrich": ("dieter", "dirk", "didi", "diederik", "theoderich"),
    "eberhard": ("ebi", "ebbe", "eberl"),
    "gottfried": ("friedel", "godfrey", "gotthold", "fredl"),
    "ludwig": ("lutz", "louis", "lui", "wiggerl", "lu", "ludovico", "luis", "lewis"),
    "nikolaus": ("klaus", "claus", "nico", "niklas", "nick", "nicholas", "niki", "niko"),
    "stefan": ("steffen", "steff", "stephan", "stephen", "steve"),
    "franziska": ("franzi", "fanny", "ziska", "frances", "francesca"),
    "katharina": ("kathi", "katja", "kati", "trina", "kathrin", "katrin", "catherine", "kate",
                  "kaethe", "katarina", "karin"),
    "margarete": ("grete", "gretel", "gretchen", "margit", "marga", "meta", "margaret"),
    "magdalena": ("lena", "leni", "magda", "madeleine", "madeline", "maddie", "magdalene",
                  "malena", "marlene"),
    "gerhard": ("gerd", "gert", "gerry", "gerald", "gerard"),
    "reinhard": ("reini", "reinhold", "reiner", "rainer", "reinaldo", "reynard"),
    "hubert": ("hubsi", "hugo", "bert", "berti"),
    "burkhard": ("burki", "burk"),
    "ottilie": ("tilly", "tilda", "otti"),
    "mathilde": ("tilly", "tilde", "tilda", "matilda", "hilde", "mathilda", "thilde", "matty"),
    "brunhilde": ("hilde", "hilda", "brunhild", "bruni"),
    "waltraud": ("traudl", "walli", "waltrud"),
    # French
    "jean-baptiste": ("jb", "baptiste", "titi"),
    "francoise": ("fanfan", "francine", "frances"),
    "guillaume": ("guy", "will", "william", "guilhem"),
    "jacqueline": ("jackie", "jacky", "jacquie", "line"),
    "jacques": ("jacky", "jack", "jacquot", "jim", "jacob", "james"),
    "jean-pierre": ("jp", "jean pierre", "jeanpierre", "pierrot"),
    "marie-claire": ("marie claire", "mc"),
    "nathalie": ("natalie", "nat", "natalia", "natasha", "natascha", "tasha", "nata"),
    "sophie": ("sofie", "sofia", "sophia", "fifi", "sophy", "soso", "sonja", "sonia", "sonya"),
    "louis": ("lou", "loulou", "ludovic", "lewis", "luis", "ludwig"),
    "pierre": ("pierrot", "peter", "pedro", "pete"),
    "dominique": ("dom", "domi", "dominic"),
    "christophe": ("chris", "christopher", "kiki"),
    # Spanish / Portuguese / Italian
    "jose": ("pepe", "pepito", "chepe", "che", "josé", "joseph", "josef", "ze", "joselito",
             "cheo", "chema"),
    "jose maria": ("chema", "josema", "josemari"),
    "jose luis": ("joselu", "pepelu"),
    "francisco": ("paco", "pancho", "curro", "frasco", "quico", "paquito", "cisco", "kiko",
                  "chico", "fran", "francis", "frank"),
    "manuel": ("manolo", "manu", "lolo", "manny", "manni", "emmanuel", "emanuel", "emanuele",
               "manolito"),
    "guillermo": ("memo", "guille", "william", "willy"),
    "ignacio": ("nacho", "iñaki", "inaki", "ignatius", "ignaz", "ignazio", "nachito"),
    "enrique": ("quique", "kike", "henry", "enric", "enrico"),
    "eduardo": ("lalo", "edu", "eddie", "edward", "duarte"),
    "alfonso": ("poncho", "fonso", "alphonse", "alfons", "alfonzo"),
    "jesus": ("chucho", "chuy", "suso", "jesu"),
    "dolores": ("lola", "loles", "lolita"),
    "concepcion": ("concha", "conchita", "chita", "conce"),
    "consuelo": ("chelo", "consu"),
    "mercedes": ("merche", "meche", "mercy"),
    "rosario": ("charo", "chayo", "rosi"),
    "guadalupe": ("lupe", "lupita", "pita"),
    "maria jose": ("majo", "marijose"),
    "maria teresa": ("maite", "marite", "tere"),
    "maria isabel": ("maribel", "marisa"),
    "maria luisa": ("marisa", "malu"),
    "maria del carmen": ("carmen", "mamen", "maricarmen", "carmencita", "menchu"),
    "asuncion": ("chon", "asun"),
    "rafael": ("rafa", "rafi", "raffaele", "raphael", "fali", "rafe"),
    "santiago": ("santi", "yago", "diego", "jaime", "james"),
    "salvador": ("chava", "salva", "toto", "salvatore", "turi", "toto"),
    "salvatore": ("toto", "turi", "tore", "salvo", "rino"),
    "giuseppe": ("beppe", "peppe", "pino", "peppino", "joseph", "bepi"),
    "giovanni": ("gianni", "nanni", "vanni", "john", "giannino"),
    "francesco": ("franco", "checco", "cecco", "ciccio", "frank", "francis"),
    "alessandro": ("sandro", "alex", "ale", "alexander"),
    "vincenzo": ("enzo", "vince", "cenzo", "vincent"),
    "lorenzo": ("enzo", "renzo", "lawrence", "lollo"),
    "antonio": ("toni", "tonio", "tonino", "nino", "tony", "anthony", "antoine", "toño", "tono"),
    "domenico": ("mimmo", "menico", "dominic"),
    "gaetano": ("tano", "nino"),
    "luigi": ("gino", "gigi", "louis", "lou"),
    "roberto": ("robi", "beto", "tito", "robert", "bob"),
    "alberto": ("beto", "tito", "albert", "berto"),
    "gonzalo": ("gonza", "chalo"),
    "fernando": ("nando", "fer", "ferdinand", "ferdi", "ferran", "fernan"),
    "ferdinand": ("ferdi", "ferdl", "nando", "fernando", "ferdy"),
    "federico": ("fede", "kiko", "frederick", "fritz"),
    "joao": ("joaozinho", "john", "juan"),
    # Slavic and others
    "aleksandr": ("sasha", "sasa", "sanya", "shura", "alexander", "alex"),
    "dmitri": ("dima", "mitya", "dmitry", "dimitri", "dmitrij"),
    "ekaterina": ("katya", "katja", "katerina", "kate", "catherine"),
    "ivan": ("vanya", "vanja", "john", "jan"),
    "mikhail": ("misha", "mischa", "michael"),
    "nikolai": ("kolya", "nick", "nicholas"),
    "vladimir": ("volodya", "vova", "vlad", "vlado"),
    "yekaterina": ("katya", "katja", "ekaterina"),
    "anastasia": ("nastya", "stacy", "stacey", "tasia", "ana", "stasia"),
    "natalia": ("natasha", "natascha", "nata", "tasha", "natalie", "nathalie"),
    "tatiana": ("tanya", "tatjana", "tania", "tata"),
    "elena": ("lena", "alyona", "helen", "helena", "ellen"),
}


def _fold(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text.lower())
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch)).replace("ß", "ss")


@lru_cache(maxsize=1)
def _name_index() -> dict[str, frozenset[str]]:
    """Every name and nickname -> the canonical names it may stand for."""
    index: dict[str, set[str]] = {}
    for canonical, variants in NICKNAME_GROUPS.items():
        key = _fold(canonical)
        for name in (canonical, *variants):
            index.setdefault(_fold(name), set()).add(key)
    # two canonical names one of which lists the other are one family (john/johannes, jose/josef)
    merged: dict[str, frozenset[str]] = {}
    for name, keys in index.items():
        closure = set(keys)
        for key in list(keys):
            closure |= index.get(key, set())
        merged[name] = frozenset(closure)
    return merged


@lru_cache(maxsize=100_000)
def nickname_keys(first_name: str) -> frozenset[str]:
    """Canonical names a first name (folded, lower-case) may stand for; the name itself if unknown."""
    name = _fold(first_name.strip())
    return _name_index().get(name, frozenset({name}))


def same_first_name(a: str, b: str) -> bool:
    """True when two first names are equal or one is a known nickname/variant of the other."""
    if not a or not b:
        return False
    if a == b:
        return True
    return bool(nickname_keys(a) & nickname_keys(b))


def is_formal_name(first_name: str) -> bool:
    """Whether a first name is a full name the table knows (Jessica), not one of its short forms."""
    return _fold(first_name.strip()) in _formal_names()


@lru_cache(maxsize=1)
def _formal_names() -> frozenset[str]:
    return frozenset(_fold(name) for name in NICKNAME_GROUPS)


def is_known_first_name(name: str) -> bool:
    """Whether a name is in the first-name table (as a full name or a short form)."""
    return _fold(name.strip()) in _name_index()


def pair_count() -> int:
    """How many (name, variant) pairs the table holds; for documentation and tests."""
    return sum(len(v) for v in NICKNAME_GROUPS.values())
