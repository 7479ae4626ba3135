DATA = {}
DATA["elderly_care"] = r"""
n My father is 84 and lives alone in {B}. Could someone from the community check on him once a week? I work in another city.
i How do I sign my mother up for the seniors' canteen? She can't use WeChat.
n! My neighbour, an old lady who lives alone, fell in the stairwell and can't get up. Nobody else is home. Please send someone now!
c The home care worker was supposed to come twice a week but has only come once this month.
s It would be great if the day care centre opened on weekends too.
p Thank you to the volunteer who visits my grandma every Tuesday. She looks forward to it all week.
i Is there a subsidy for installing grab bars in an elderly person's bathroom?
n Need someone to accompany my dad to his hospital appointment next Monday, I'm stuck abroad.
n my mom has early alzheimers and keeps wandering off, is there a gps bracelet program?
c Senior canteen food is way too salty for people with high blood pressure.
""".strip()
DATA["child_youth"] = r"""
n Both of us work until 6pm. Is there an after-school programme for primary kids in the community?
i When does registration for the summer day camp open, and how much does it cost?
c The playground sandpit is full of cigarette butts and broken glass.
n! A toddler is alone on the 5th floor balcony railing outside unit 502, no adult around, please hurry!
s Could we get a small reading corner for teenagers that stays open until 9pm?
p The parent-child reading event last Saturday was lovely, my son loved it. Thanks!
i Are there any parenting classes for new parents?
n my 13 yo daughter is being bullied and refuses to go to school. any counselling for kids?
c The after-school tutor just plays on her phone while kids do homework.
""".strip()
DATA["disability"] = r"""
n I use a wheelchair and there are three steps at my building entrance with no ramp. Can a ramp be built?
c People park e-bikes on the accessible ramp every day, my wheelchair can't get through.
i Where can I borrow a wheelchair for about two months after surgery?
i How do I apply for a disability certificate for my son?
s Please add braille and voice announcements to the lifts.
p Thanks for the new ramp at the service centre, I can finally go in on my own.
n I'm deaf and the community notices are only announced by loudspeaker. Could you text me instead?
c The accessible toilet at the community centre is always locked.
n! blind elderly man next door is shouting for help, smoke coming from his kitchen, he can't see his way out
""".strip()
DATA["health"] = r"""
i How can I sign up with a family doctor? My parents both have hypertension.
i Does the community health station open on Saturdays?
n! Someone just collapsed outside the supermarket in our compound and isn't breathing properly. We called 120, is there a doctor nearby?
c Waited two hours at the vaccination point with a crying baby. Please improve the booking system.
n I've been feeling really down and can't sleep. Is there free psychological counselling here?
s Please put an AED in the community centre, it could save lives.
p Dr. Huang, our family doctor, calls my dad every month about his diabetes. Really grateful.
i Is the flu vaccine free for people over 60 this year?
c the health station keeps running out of my blood pressure meds
""".strip()
DATA["facility_repair"] = r"""
n! Elevator stuck between floors in {B} unit 2, two people trapped inside including a kid. Emergency button gets no answer!
n! A water pipe burst on the 6th floor and water is pouring into the corridor near the electrical box. Need someone to shut the main valve NOW.
c The stairwell lights in our building have been out for a week.
n Half the street lights along the east gate road are broken, it's pitch dark at night.
c The lift in {B} breaks down almost every week.
i How do we apply to retrofit an elevator in our old 6-storey building? Is there a government subsidy?
s Suggest installing an elevator in building 7, lots of elderly residents live on upper floors.
p Thank you for fixing the lift so quickly last month, the new one runs really smoothly.
n manhole cover near the kindergarten gate is cracked, someone could fall in
c roof has been leaking for 3 months, reported it 4 times, no one came
""".strip()
DATA["environment"] = r"""
c The bins next to building 3 haven't been emptied for three days. The smell is unbearable.
c Square dancing music is extremely loud every evening from 7 to 9.
n There are lots of rats around the garbage station. Could you arrange pest control?
s Please add a tap next to the kitchen waste bins so people can wash their hands.
c Dog poop everywhere on the lawns, owners never clean up.
i Where do I throw away an old sofa?
c Construction next door keeps drilling until 11pm.
p The new cleaning team is great, the compound has never looked this tidy.
c The barbecue stall downstairs blows smoke straight into our windows every night.
""".strip()
DATA["parking_traffic"] = r"""
c Impossible to find parking after 8pm, cars end up on the fire lane.
n We need more e-bike charging points, people are running extension cords from their windows.
s How about a shuttle bus to the metro station? It's a 25-minute walk.
c Delivery scooters speed through the compound, nearly hit my kid yesterday.
i How do I apply for a fixed parking space and how long is the waiting list?
n The pedestrian light at the north gate is too short for elderly people to cross.
c Zombie cars have been taking up spaces for two years.
p The new community bus is so convenient, thanks for arranging it!
""".strip()
DATA["safety"] = r"""
n! Strong smell of gas on the 3rd floor of {B}, nobody answers the door at 302. Please come immediately!
n! E-bike caught fire in the ground floor bike shed, flames are spreading and there's thick smoke.
n! Someone just threw a flower pot from upstairs and hit a passer-by, he is bleeding from the head.
c Someone keeps throwing rubbish out of the window, a bottle nearly hit my son.
c People charge e-bikes in the corridor every night, it's a fire hazard.
i When is the gas safety talk? I'd like to bring my mum.
s Please install cameras to catch people throwing things from high floors.
n My elderly dad keeps getting scam calls. Can someone from the community talk to him about fraud?
c The fire extinguishers in our building expired years ago.
p The fire drill last week was really useful, thank you.
n! [english] smoke coming out of the electrical box in the hallway of building 12 and it smells like burning plastic
""".strip()
DATA["culture_sports"] = r"""
n Our choir needs a room to rehearse twice a week. How can we book one?
i What time does the community library open on weekends?
s Could you organise some activities for young professionals, like board game nights or frisbee?
c The library hasn't bought a new book in years.
p The Mid-Autumn lantern riddle event was so much fun, thank you!
n We'd like to start a running club, could the community help us spread the word?
i Is the table tennis room free to use?
c Two dance groups keep fighting over the square. Please set a schedule.
s Outdoor movie nights in summer would be great.
""".strip()
DATA["employment"] = r"""
n I was laid off last month at 46. Does the community have any job listings or training?
i Where do I register as unemployed and what documents do I need?
i Are there free vocational courses, like elderly care or childcare training?
n I want to open a small breakfast shop. Can someone advise on licences and startup loans?
c The job fair was all insurance sales, no real jobs.
s Please hold a job fair on a weekend so working people can come.
p Thanks to the employment office, I found a job at a logistics company near home.
i how do gig workers pay into social insurance?
n fresh grad here, been job hunting for 6 months, any internships through the community?
""".strip()
DATA["legal_mediation"] = r"""
n My upstairs neighbour's leaking pipe damaged my ceiling and they refuse to pay. Can the community mediate?
i Is there free legal advice? When is the lawyer available?
n My landlord won't return my deposit. What can I do?
n My siblings and I are arguing over who takes care of our parents. We need a mediator.
c Mediation last time went nowhere, the neighbour ignored the agreement.
i Can I get legal aid if I'm on a low income?
p Thank you to the mediator Mr. Zhou, he finally settled our two-year dispute with the neighbours.
s It would help to have a lawyer at the community centre one day every week.
n my employer owes me 3 months wages, where do I start?
""".strip()
DATA["social_assistance"] = r"""
n My husband is seriously ill and I'm the only earner. How can we apply for minimum living allowance?
i What documents are needed for temporary relief assistance?
n Our flat burned down last week and we lost everything. Is there emergency assistance?
c Our dibao application has been pending for three months with no reply.
i Is there financial help for poor families with kids going to university?
p Thanks for the rice, oil and winter quilts you brought us. It means a lot.
n the old man in 4-201 lives alone, no pension, collects bottles to survive. can he get any help?
s Please publish the list of aid recipients so people can see it's fair.
n! Elderly neighbour hasn't eaten in three days, there's no food at all in his flat and he can barely stand.
""".strip()
DATA["property_management"] = r"""
c The property management fee went up again but cleaning is worse than ever.
c Nobody ever answers the property management hotline.
i How do we set up an owners' committee?
n We want to change property management companies. What is the procedure?
c Where does the lift advertising money go? It's never been disclosed.
s Property management should publish their accounts every quarter.
p The new property management team is great, repairs are handled the same day.
c security guards just sit in the booth on their phones, anyone can walk in
i can the property company cut off water if we refuse to pay the fee?
""".strip()
DATA["convenience"] = r"""
i Where can I get a proof of residence? My child needs it for school enrolment.
n We need parcel lockers, packages keep getting lost at the gate.
i Is there a breakfast place or a vegetable shop near the compound?
n Can anyone recommend a reliable appliance repair service? My fridge died.
c The parcel station closes at 7pm, I can never pick up after work.
s A weekly service day with haircuts and shoe repair would be really handy.
p Free haircut day was great, my grandpa loved it.
i can I renew my social security card at the community office?
i What are the community service centre's opening hours?
""".strip()
DATA["participation"] = r"""
n I just retired and would like to volunteer. How do I sign up?
i How can I get a volunteer hours certificate for my son's school?
s Let's set up a tool-sharing library in the compound.
n Some neighbours and I want to start a community garden on the empty lot.
c The residents' council meetings never lead to any action.
i When is the next residents' council meeting? Can anyone attend?
p Big thanks to the volunteers who delivered groceries to elderly residents during the snowstorm.
n we'd like to run a swap market in the square next month, who do we talk to?
s Residents should vote on how the community service fund is spent.
""".strip()
DATA["other"] = r"""
i Hello, is anyone there?
i What's the weather going to be like tomorrow?
c My online order arrived broken and the shop won't refund me.
i Is this an official government account?
i Can you recommend a good restaurant nearby?
c My phone bill was overcharged again.
i test
i Thanks, that's all.
i When will house prices go down?
""".strip()
