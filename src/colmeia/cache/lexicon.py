"""Closed-class word lists (English and Brazilian Portuguese) that the verifier reads.

These are the parts of a question that carry its meaning without being open-class content:
polarity, comparison, time, units, quantifiers and role markers. They come from grammar, not from
any labelled pair: a list is a class of words, and every member of a class is protected equally.
All entries are lower-case and accent-free (the form `colmeia.cache.tokens.fold` produces).
"""

from __future__ import annotations

NEGATIONS = frozenset(
    "not no never without none nobody nothing nor neither cannot "
    "nao nunca nem sem nenhum nenhuma jamais ninguem nada".split()
)

NEGATED_AUXILIARIES = {
    "dont": "do", "doesnt": "does", "didnt": "did", "isnt": "is", "arent": "are",
    "wasnt": "was", "werent": "were", "hasnt": "has", "havent": "have", "hadnt": "had",
    "cant": "can", "wont": "will", "wouldnt": "would", "shouldnt": "should",
    "couldnt": "could", "mustnt": "must",
}  # fmt: skip

NEGATING_PREFIXES = ("un", "in", "im", "il", "ir", "dis", "non", "de", "des", "anti", "mis")
"""A word that is another word plus one of these (unlock/lock, ineligible/eligible) is its
opposite, however close their embeddings are."""

OPPOSITES = tuple(
    frozenset(pair.split("/"))
    for pair in (
        "buy/sell sell/purchase open/close open/closed start/stop start/end begin/end "
        "enable/disable allow/block allow/deny allow/forbid accept/reject accept/decline "
        "approve/reject send/receive import/export upload/download push/pull win/lose "
        "add/remove include/exclude credit/debit income/expense revenue/cost profit/loss "
        "north/south east/west left/right male/female man/woman men/women mother/father "
        "son/daughter brother/sister husband/wife boy/girl in/out input/output inbound/outbound "
        "incoming/outgoing internal/external public/private true/false yes/no on/off "
        "success/failure succeed/fail pass/fail hire/fire join/leave arrive/depart "
        "arrival/departure enter/exit login/logout borrow/lend give/take ask/answer "
        "question/answer cause/effect remember/forget lose/find win/loss asc/desc "
        "ascending/descending min/max lowest/highest first/last old/new young/old "
        "comprar/vender abrir/fechar ligar/desligar aceitar/recusar enviar/receber "
        "entrada/saida entrar/sair ganhar/perder receita/despesa credito/debito "
        "homem/mulher pai/mae filho/filha interno/externo publico/privado "
        "aprovar/rejeitar contratar/demitir incluir/excluir adicionar/remover"
    ).split()
)
"""Common opposite pairs that embeddings place close together (buy/sell ~0.76 cosine);
a substitution between them is never accepted."""

SWAPPED_PREFIXES = (("en", "de"), ("in", "ex"), ("im", "ex"), ("up", "down"), ("over", "under"))

COMPARATIVES = frozenset(
    "more most less least fewer fewest greater greatest larger largest smaller smallest "
    "higher highest lower lowest longer longest shorter shortest faster fastest slower slowest "
    "better best worse worst cheaper cheapest expensive earlier earliest later latest newer "
    "newest older oldest recent recently top bottom above below over under before after "
    "increase increased increasing decrease decreased decreasing rise rose fall fell grew "
    "shrank gain lost max maximum min minimum first last up down early late "
    "mais menos maior maiores menor menores melhor melhores pior piores acima abaixo antes "
    "depois antigo antiga antigos recente recentes novo nova velho primeiro ultimo ultima "
    "aumento aumentou queda caiu maximo minimo superior inferior cresceu "
    "near nearer nearest far farther farthest further furthest closer closest "
    "perto longe distante".split()
)

NEGATIVE_VERBS = frozenset(
    "avoid prevent skip refuse lack miss fail deny exclude ignore forbid ban block stop "
    "cease quit reject decline evitar impedir pular recusar faltar falhar negar excluir "
    "ignorar proibir bloquear parar".split()
)
"""Verbs that carry a negation inside them (avoid = not do); as blind to embeddings as "not"."""

CANONICAL = {
    "biggest": "largest", "bigger": "larger", "big": "large", "greatest": "largest",
    "quickest": "fastest", "quicker": "faster", "quick": "fast",
    "tallest": "highest", "taller": "higher", "tall": "high",
    "maior": "maior", "maiores": "maior", "menores": "menor",
}  # fmt: skip
"""Same-meaning members of a protected class, folded to one form before comparison."""

TIME_WORDS = frozenset(
    "today tomorrow yesterday tonight now currently week weekend month year quarter day "
    "hour minute second morning afternoon evening night noon midnight am pm daily weekly "
    "monthly annual annually yearly quarterly this next last previous past ago current "
    "january february march april may june july august september october november december "
    "jan feb mar apr jun jul aug sep sept oct nov dec "
    "monday tuesday wednesday thursday friday saturday sunday "
    "hoje amanha ontem agora semana mes ano trimestre dia hora manha tarde noite "
    "proximo proxima passado passada atual mensal anual semanal diario "
    "janeiro fevereiro marco abril maio junho julho agosto setembro outubro novembro dezembro "
    "segunda terca quarta quinta sexta sabado domingo".split()
)

UNITS = frozenset(
    "kg kilogram kilo g gram lb lbs pound ounce oz mile miles km kilometer kilometre meter "
    "metre cm mm inch inches foot feet yard cup cups liter litre ml gallon tb gb mb kb byte "
    "bytes bit bits ms millisecond seconds minutes hours days weeks months years usd eur brl "
    "gbp jpy dollar dollars euro euros real reais dolar dolares $ € £ % percent celsius "
    "fahrenheit kelvin degree degrees per quilo quilos quilometro quilometros metro metros "
    "litro litros segundos minutos horas dias semanas meses anos grau graus".split()
)

QUANTIFIERS = frozenset(
    "all every each any some only both entire whole just "
    "todos todas todo toda cada qualquer algum alguma alguns algumas apenas somente".split()
)

PROTECTED = NEGATIONS | NEGATIVE_VERBS | COMPARATIVES | TIME_WORDS | UNITS | QUANTIFIERS

PREPOSITIONS = frozenset(
    "to from into onto in on at by for with about of between through via per towards toward "
    "across against within during since until than "
    "de em para por com sobre entre ate desde contra".split()
)

PT_CONTRACTIONS = {
    "do": "de", "da": "de", "dos": "de", "das": "de", "no": "em", "na": "em", "nos": "em",
    "nas": "em", "pelo": "por", "pela": "por", "pelos": "por", "pelas": "por", "ao": "a",
    "aos": "a", "pro": "para", "pra": "para", "num": "em", "numa": "em",
}  # fmt: skip

WH_WORDS = frozenset(
    "who whom whose what which when where why how "
    "quem que qual quais quando onde porque como quanto quantos quantas quanta".split()
)

OBJECT_WH = frozenset("who whom whose what which".split())

WH_CLASSES = {
    "who": "person", "whom": "person", "quem": "person", "whose": "owner",
    "what": "thing", "which": "thing", "qual": "thing", "quais": "thing", "que": "thing",
    "when": "time", "quando": "time", "where": "place", "onde": "place",
    "why": "reason", "porque": "reason", "how": "manner", "como": "manner",
    "quanto": "amount", "quanta": "amount", "quantos": "amount", "quantas": "amount",
}  # fmt: skip
"""What a question asks for, by its first word; "who approved" and "whose … did" differ."""
DO_SUPPORT = frozenset("do does did".split())

DETERMINERS = frozenset(
    "the a an my our your their his her its this that these those me us them him it i we you "
    "they o os as um uma uns umas meu minha meus minhas nosso nossa nossos nossas seu sua "
    "seus suas eu nos voce voces ele ela eles elas".split()
)

FUNCTION_WORDS = (
    DETERMINERS
    | WH_WORDS
    | frozenset(
        "is are was were be been being am do does did doing have has had having can could would "
        "should will shall may might must please kindly there here and or but if then so also "
        "yet still really right let know like want "
        "e ou mas se entao tambem ainda favor por gentileza e eh foi sao ser estar esta estao "
        "ter tem teve temos tenho ha pode posso poderia se me te lhe qual".split()
    )
)
"""Words that shape a sentence but carry no content of their own (aligned structurally)."""

DISCOURSE = frozenset(
    "lol ugh hey hi hello yo pls plz thx thanks ok okay btw hmm um uh oh wow asap u ur "
    "oi ola vc pfv obrigado obrigada tipo ne gente".split()
)
"""Register, not content: greetings, interjections and chat spellings of function words."""

SPEECH_ACT_VERBS = frozenset(
    "tell give gimme provide explain advise inform share send ask "
    "informar dizer passar explicar fornecer mostrar".split()
)
"""Verbs of a request frame ("could you tell me", "kindly advise", "poderia me informar"):
they wrap a question without adding to it."""

FRAME_WORDS = frozenset(
    "please kindly could would can will you be able to i id like need want me "
    "gostaria de poderia pode por favor gentileza voce vc".split()
)
"""What may precede a speech-act verb for it to count as a frame (from the sentence start)."""

NUMBER_WORDS = {
    "zero": 0, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7,
    "eight": 8, "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "twenty": 20,
    "thirty": 30, "hundred": 100, "thousand": 1000, "million": 1_000_000,
    "first": 1, "second": 2, "third": 3, "fourth": 4, "fifth": 5, "half": 0.5,
    "dois": 2, "duas": 2, "tres": 3, "quatro": 4, "cinco": 5, "seis": 6, "sete": 7,
    "oito": 8, "nove": 9, "dez": 10, "cem": 100, "mil": 1000,
    "primeiro": 1, "segundo": 2, "terceiro": 3, "quarto": 4, "quinto": 5,
}  # fmt: skip
