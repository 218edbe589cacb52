"""Reports to hotlines (pure): the report model, the NCMEC CyberTipline XML, the UK
NCA report package, and the explicit mapping of categories to the industry scheme."""
