# Runs the Schelling example bundled with Mesa 3.5.1 to the end for seeds 0..N-1 and prints the
# final happy share, similar-neighbour shares and steps: the reference for the Mesa check in
# `cohesion validate`. Needs `pip install "mesa[network]==3.5.1"` (Python 3.12 or newer).
# Usage: python scripts/mesa_schelling.py 200
import sys, statistics as st
from mesa.examples.basic.schelling.model import Schelling, SchellingScenario
def stats(m):
    shares=[]; sim_all=0; tot_all=0
    for a in m.agents:
        nb=list(a.cell.get_neighborhood(radius=a.radius).agents)
        s=sum(1 for n in nb if n.type==a.type)
        if nb: shares.append(s/len(nb))
        sim_all+=s; tot_all+=len(nb)
    return st.mean(shares), sim_all/tot_all
n=int(sys.argv[1]) if len(sys.argv)>1 else 100
rows=[]
for seed in range(n):
    m=Schelling(SchellingScenario(rng=seed))
    steps=0
    while m.running and steps<1000:
        m.step(); steps+=1
    sh,pooled=stats(m)
    rows.append((m.happy/len(m.agents), sh, pooled, steps))
for i,name in enumerate(['happy_share','similar_share','similar_share_pooled','steps']):
    v=[r[i] for r in rows]
    print(name, st.mean(v), st.stdev(v), len(v))
