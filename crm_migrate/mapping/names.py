"""Small word lists the value profile reads: common given names, surnames and business words.

No package we depend on ships first/last-name frequency lists, so these are short lists
of the commonest names in the languages the mapper reads (English, German, French,
Spanish, Portuguese, Italian, Dutch, Nordic, Finnish, Polish, Czech, Turkish), written
accent-folded and lower-case (compare with `headers.fold`). They are evidence, not a
gate: a column is called first names when most of its values are listed here.
"""

from __future__ import annotations

GIVEN_NAMES = frozenset("""
aaron abigail adam adrian agnes agnieszka ahmet aisha alan albert alejandro aleksandra alex alexander
alexandra alfred alice alicia alison amanda amelia amelie amy ana anastasia anders andre andrea andreas
andrew andrzej angela angelika anita anja anke ann anna anne annette anthony antonio arne arthur ayse
barbara barry beate ben benjamin bernd bernhard birgit bjorn bob bogdan brian bruno burak camila camille
carl carla carlos carmen caroline carolyn catherine cecilia charles charlotte chloe chris christian
christina christine christoph christopher claire clara claudia colin craig cristina dagmar damian daniel
daniela danielle david deborah denise dennis diana diego dieter dirk dominik donald donna doris dorothy
douglas dwayne edward elena elif elisabeth elizabeth ella emil emilia emily emma emre eric erik ernst
esther eva evelyn ewa ewelina fabian fatma felix fernanda fernando fiona florian francesca francesco
francisco frank franz fred frederik gabriel gabriele gareth gary george georg gerhard gisela giulia
giuseppe gonzalo grace gregory greta gunnar gustavo hakan hana hannah hans harald harry hasan heather
heidi heike helen helena helga helmut henrik henry herbert hugo ian ida imogen ines ingrid irene iris
isabel isabella ivan jack jacob jakub james jan jana jane janet janina jaroslav jason javier jean jeffrey
jennifer jens jeremy jessica jiri joan joanna joaquin joe johan johanna johannes john jonas jordan jorg
jorge jose joseph joshua juan judith julia julian juliana julie julien jurgen justin kai karen karin
karl karolina katarzyna katharina kathleen kathrin katrin kelly kenneth kevin kim klaus kristina
krzysztof kurt lars laura lauren lea lena leon leonie lily linda lisa liam lorenzo louis louise lucas
lucia lucie lucy ludwig luis luisa lukas lukasz magdalena maja malgorzata manfred manuel marc marcel
marcelo marco marcus margaret maria marie marina mario mark marko markus martin martina mary mateo
mathias matteo matthew matthias max maximilian mehmet melanie melissa mette michael michaela michal
michel michelle miguel mikael mikko monika mustafa nadine natalia natalie nathan nicholas nicole niklas
nils nina noah nora norbert oliver olivia olga oscar otto pablo pamela pascal patricia patrick paul
paula pawel pedro per peter petr petra philip philipp pierre piotr priya rachel rafael rainer ralf
raul rebecca renate rene renee ricardo richard rita robert roberto rolf roman ronald rosa ruth ryan
sabine sandra sara sarah sascha sebastian selin sergio sharon simon simone siobhan sofia sophia sophie
stefan stefanie stephanie stephen steven susan susanne sven svenja tanja teresa thomas tim timo tobias
tom tomas tomasz tony torsten tyrone ulrich ulrike ursula uwe valentina vanessa vera veronica victoria
viktor vincent walter werner wilhelm william wojciech wolfgang yusuf zeynep zofia zuzana
adriana agata alba alberto aldo alessandro alessia alexandre aline alois amalia anabel andres angelo
anton antonia astrid ayla beatriz benedikt bianca boris brigitte bruna caio carina carsten caterina
cem cesar charlie christa cornelia dana dario davide dennis dorota edith elias elin elisa eloise
emanuel enrico enrique esra eduardo elke emine erika ewald fabio fatih federica filip filipa franziska
frida gabriela gerald gertrud gianluca gloria greg gudrun guillaume gunter hannes hedwig heinz holger
hubert ilse ingo irina isabelle jacqueline jakob janine jeanne jesper jessie joachim jochen joel
jolanta jose julio kamil kamila karol kasper katja kerstin kinga konrad kristian lara laurent leila
lena lennart leonardo lilian liliana linnea lorena lotte luana luca luciana lucian ludmila lutz maik
manon manuela marek margarethe mariana marianne marie-claire marius marlene marta marten mateus
maurice mauro maya milan mira miriam mohamed monica murat nadia nathalie nicolas nikola nikolai noel
norma olaf oskar pauline petar pia rafal rasmus rebekka regina robin roger roland ronja rosario ruben
rudolf sabrina samuel sandro santiago sergej silke silvia sonja stanislav stella stine svea sylvia
tamara theo theresa till tina tobias ugo ute valentin valerie verena vitor volker wiebke yasemin
yvonne zdenek zoltan
aleksander arkadiusz bartosz dariusz grzegorz jacek janusz jerzy kamil leszek marcin mariusz
mateusz miroslaw przemyslaw radoslaw slawomir stanislaw tadeusz waldemar zbigniew beata bozena
danuta elzbieta grazyna halina iwona jadwiga justyna krystyna marzena renata teresa urszula
wieslawa dorota ewelina joanna magda paulina sylwia weronika
jaroslava jitka jirina ludmila marketa miroslava pavla radka sarka vera vlasta zdenka bohumil frantisek
jindrich josef karel ladislav lubomir miloslav miroslav ondrej pavel radek stanislav vaclav vladimir
vojtech zdenek
ali ayse bulent cansu deniz derya ebru ece emel emine erdem ercan esra fadime gizem gul hakan huseyin
ibrahim ismail kemal leyla melike merve metin mert murat nur omer orhan osman ozge ozlem seda serkan
sevgi sibel tolga tugba tuncay ufuk volkan yasin yilmaz zehra
aino eeva hanna heikki ilkka jaana juha jukka jussi kaisa kari katja leena markku matti minna pekka
petri pirjo riikka sanna seppo tapio tarja teemu tuula tuomas ville
agneta anneli asa birgitta bo britt camilla ebba ellen goran gustav hampus ingela ingrid jonas kerstin
lennart linnea magnus maja marit mats mette morten nils oddvar ola ole rune siv solveig stig stina
soren thea tor torbjorn trine ulf vibeke
adriano alessandra antonella beatrice carlo cinzia daniele donatella elena fabrizio federico giacomo
gianni giorgio giovanni laura lorenza luigi marcello massimo maurizio michele nicola paola paolo
riccardo roberta sabrina salvatore silvio stefano valerio vittorio
""".split())

SURNAMES = frozenset("""
smith johnson williams brown jones garcia miller davis rodriguez martinez hernandez lopez gonzalez
wilson anderson thomas taylor moore jackson martin lee perez thompson white harris sanchez clark
ramirez lewis robinson walker young allen king wright scott torres nguyen hill flores green adams
nelson baker hall rivera campbell mitchell carter roberts evans turner phillips parker collins
edwards stewart morris murphy cook rogers morgan cooper peterson reed bailey bell kelly howard ward
cox richardson wood watson brooks bennett gray james hughes price sanders myers long ross foster
powell jenkins perry russell sullivan fisher butler barnes henderson coleman simmons patterson
jordan reynolds hamilton graham kim wallace cole west owens marshall ellis chen wang zhang li liu
muller mueller schmidt schneider fischer weber meyer wagner becker schulz hoffmann schafer koch bauer
richter klein wolf schroder neumann schwarz zimmermann braun kruger hofmann hartmann lange schmitt
werner krause meier lehmann schmid schulze maier kohler herrmann konig walter mayer huber kaiser
fuchs peters lang scholz moller weiss jung hahn schubert vogel friedrich keller gunther frank berger
winkler roth beck lorenz baumann franke albrecht schuster simon ludwig bohm winter kraus schumacher
kramer vogt stein jager otto sommer gross seidel heinrich brandt haas schreiber graf dietrich ziegler
kuhn kuhne pohl engel horn busch bergmann thomas voigt sauer arnold wolff pfeiffer gruber
martin bernard dubois thomas robert richard petit durand leroy moreau simon laurent lefebvre michel
garcia david bertrand roux vincent fournier morel girard andre mercier dupont lambert bonnet francois
martinez rousseau
rossi russo ferrari esposito bianchi romano colombo ricci marino greco bruno gallo conti deluca
mancini costa giordano rizzo lombardi moretti barbieri fontana santoro mariani rinaldi caruso
silva santos oliveira souza sousa rodrigues ferreira alves pereira lima gomes ribeiro carvalho
almeida lopes soares fernandes vieira barbosa rocha dias nascimento andrade moreira nunes marques
machado mendes freitas cardoso ramos goncalves santana teixeira
fernandez gomez diaz alvarez romero alonso gutierrez navarro ruiz moreno munoz jimenez castillo
ortega delgado castro ortiz rubio marin sanz iglesias nunez medina garrido santiago cortes
devries jansen dejong bakker visser smit meijer debruijn mulder deboer vos bos dijk vandijk
nowak kowalski wisniewski wojcik kowalczyk kaminski lewandowski zielinski szymanski wozniak
dabrowski kozlowski jankowski mazur kwiatkowski krawczyk piotrowski grabowski nowakowski pawlowski
michalski nowicka kowalska wisniewska wojcikowa lewandowska zielinska szymanska dabrowska
novak svoboda novotny dvorak cerny prochazka kucera vesely horak nemec pokorny marek pospisil
hajek jelinek kral ruzicka benes fiala sedlacek dolezal zeman kolar navratil cermak svobodova
novakova dvorakova cerna prochazkova kucerova
yilmaz kaya demir sahin celik yildiz yildirim ozturk aydin ozdemir arslan dogan kilic aslan cetin
kara koc kurt ozkan simsek polat
johansson andersson karlsson nilsson eriksson larsson olsson persson svensson gustafsson pettersson
jonsson jansson hansson bengtsson lindberg lindqvist lindgren berg jakobsen hansen jensen nielsen
pedersen andersen christensen larsen sorensen rasmussen olsen petersen madsen kristensen johansen
virtanen korhonen nieminen makinen hamalainen laine heikkinen koskinen jarvinen lehtonen
lehtinen saarinen salminen heinonen niemi
oconnor obrien ryan byrne walsh oneill doyle mccarthy gallagher kennedy lynch quinn mcdonald
""".split())

# words of a company's name that are not legal suffixes ("Holloway Insurance Agency", "Meble Wiśniewski")
BUSINESS_WORDS = frozenset("""
agency associates auto automotive bakery bank bau bygg cafe catering center centre clinic clinica
construction construcciones consult consulting consultants contabilidade dental dentistry design
druck elektro electric electrical energy engineering enterprises estudio farm fitness foods gastro
group handel hardware holding holdings hotel imports industries insurance kitchen konsult law
legno logistics logistik logistiikka manufacturing marketing maskin media meble metallbau mobilya
moda partners pharmacy physio print printing realty redovisning restaurant salon service services
serwis shop software solutions studio systems tech technologies tecnologia tekstil textil trading
transport transportes trucking turizm wines werkstatt apteka atelier bodega comercio consultores
distribuidora editora farmacia ferreteria fiduciaire imobiliaria industria inmobiliaria insaat
kanzlei kaserei otomotiv pekarna praxis rakennus saha steuerburo stavby ucetnictvi verlag
""".split())
