/**
 * The places the stated location of a claim is matched to, offline: about 360 US cities (every state
 * capital, the largest cities of each state, and the places the demo customers live), each with the
 * coordinates of its centre in decimal degrees, as `name|state|latitude|longitude`, sorted by state.
 * Two decimals (about a kilometre) is far finer than the distance the photo check allows (50 km).
 */
export const usCities = `
Anchorage|AK|61.22|-149.90
Fairbanks|AK|64.84|-147.72
Juneau|AK|58.30|-134.42
Birmingham|AL|33.52|-86.80
Dothan|AL|31.22|-85.39
Hoover|AL|33.41|-86.81
Huntsville|AL|34.73|-86.59
Mobile|AL|30.69|-88.04
Montgomery|AL|32.38|-86.30
Tuscaloosa|AL|33.21|-87.57
Bentonville|AR|36.37|-94.21
Fayetteville|AR|36.06|-94.16
Fort Smith|AR|35.39|-94.40
Little Rock|AR|34.75|-92.29
Chandler|AZ|33.31|-111.84
Flagstaff|AZ|35.20|-111.65
Gilbert|AZ|33.35|-111.79
Glendale|AZ|33.54|-112.19
Mesa|AZ|33.42|-111.83
Peoria|AZ|33.58|-112.24
Phoenix|AZ|33.45|-112.07
Scottsdale|AZ|33.49|-111.93
Tempe|AZ|33.43|-111.94
Tucson|AZ|32.22|-110.97
Yuma|AZ|32.69|-114.63
Anaheim|CA|33.84|-117.91
Bakersfield|CA|35.37|-119.02
Berkeley|CA|37.87|-122.27
Burbank|CA|34.18|-118.31
Chico|CA|39.73|-121.84
Chula Vista|CA|32.64|-117.08
Corona|CA|33.88|-117.57
Elk Grove|CA|38.41|-121.37
Escondido|CA|33.12|-117.09
Fontana|CA|34.09|-117.44
Fremont|CA|37.55|-121.99
Fresno|CA|36.74|-119.79
Garden Grove|CA|33.77|-117.94
Glendale|CA|34.14|-118.26
Hayward|CA|37.67|-122.08
Huntington Beach|CA|33.66|-118.00
Irvine|CA|33.68|-117.83
Lancaster|CA|34.69|-118.15
Long Beach|CA|33.77|-118.19
Los Angeles|CA|34.05|-118.24
Modesto|CA|37.64|-120.99
Moreno Valley|CA|33.94|-117.23
Oakland|CA|37.80|-122.27
Oceanside|CA|33.20|-117.38
Ontario|CA|34.06|-117.65
Oxnard|CA|34.20|-119.18
Palm Springs|CA|33.83|-116.55
Palmdale|CA|34.58|-118.12
Palo Alto|CA|37.44|-122.14
Pasadena|CA|34.15|-118.14
Pomona|CA|34.06|-117.75
Rancho Cucamonga|CA|34.11|-117.59
Redding|CA|40.59|-122.39
Riverside|CA|33.95|-117.40
Sacramento|CA|38.58|-121.49
Salinas|CA|36.68|-121.66
San Bernardino|CA|34.11|-117.29
San Diego|CA|32.72|-117.16
San Francisco|CA|37.77|-122.42
San Jose|CA|37.34|-121.89
San Luis Obispo|CA|35.28|-120.66
San Mateo|CA|37.56|-122.32
Santa Ana|CA|33.75|-117.87
Santa Barbara|CA|34.42|-119.70
Santa Clarita|CA|34.39|-118.54
Santa Cruz|CA|36.97|-122.03
Santa Monica|CA|34.02|-118.49
Santa Rosa|CA|38.44|-122.71
Stockton|CA|37.96|-121.29
Sunnyvale|CA|37.37|-122.04
Torrance|CA|33.84|-118.34
Vallejo|CA|38.10|-122.26
Visalia|CA|36.33|-119.29
Aurora|CO|39.73|-104.83
Boulder|CO|40.01|-105.27
Colorado Springs|CO|38.83|-104.82
Denver|CO|39.74|-104.99
Fort Collins|CO|40.59|-105.08
Grand Junction|CO|39.06|-108.55
Lakewood|CO|39.70|-105.08
Pueblo|CO|38.25|-104.61
Bridgeport|CT|41.19|-73.20
Hartford|CT|41.76|-72.68
New Haven|CT|41.31|-72.92
Stamford|CT|41.05|-73.54
Washington|DC|38.91|-77.04
Dover|DE|39.16|-75.52
Wilmington|DE|39.74|-75.55
Boca Raton|FL|26.37|-80.13
Cape Coral|FL|26.56|-81.95
Daytona Beach|FL|29.21|-81.02
Fort Lauderdale|FL|26.12|-80.14
Fort Myers|FL|26.64|-81.87
Gainesville|FL|29.65|-82.32
Hialeah|FL|25.86|-80.28
Hollywood|FL|26.01|-80.15
Jacksonville|FL|30.33|-81.66
Key West|FL|24.56|-81.78
Lakeland|FL|28.04|-81.95
Miami|FL|25.76|-80.19
Miami Beach|FL|25.79|-80.13
Naples|FL|26.14|-81.79
Orlando|FL|28.54|-81.38
Pembroke Pines|FL|26.01|-80.30
Pensacola|FL|30.42|-87.22
Port St. Lucie|FL|27.27|-80.35
Sarasota|FL|27.34|-82.53
St. Petersburg|FL|27.77|-82.64
Tallahassee|FL|30.44|-84.28
Tampa|FL|27.95|-82.46
West Palm Beach|FL|26.72|-80.05
Alpharetta|GA|34.08|-84.29
Athens|GA|33.96|-83.38
Atlanta|GA|33.75|-84.39
Augusta|GA|33.47|-81.97
Columbus|GA|32.46|-84.99
Macon|GA|32.84|-83.63
Marietta|GA|33.95|-84.55
Sandy Springs|GA|33.92|-84.38
Savannah|GA|32.08|-81.09
Hilo|HI|19.71|-155.09
Honolulu|HI|21.31|-157.86
Cedar Rapids|IA|41.98|-91.67
Davenport|IA|41.52|-90.58
Des Moines|IA|41.59|-93.62
Iowa City|IA|41.66|-91.53
Boise|ID|43.62|-116.20
Idaho Falls|ID|43.49|-112.04
Aurora|IL|41.76|-88.32
Champaign|IL|40.12|-88.24
Chicago|IL|41.88|-87.63
Elgin|IL|42.04|-88.28
Evanston|IL|42.05|-87.69
Joliet|IL|41.53|-88.08
Naperville|IL|41.75|-88.15
Peoria|IL|40.69|-89.59
Rockford|IL|42.27|-89.09
Springfield|IL|39.78|-89.65
Bloomington|IN|39.17|-86.53
Carmel|IN|39.98|-86.12
Evansville|IN|37.97|-87.57
Fort Wayne|IN|41.08|-85.14
Indianapolis|IN|39.77|-86.16
South Bend|IN|41.68|-86.25
Kansas City|KS|39.11|-94.63
Lawrence|KS|38.97|-95.24
Overland Park|KS|38.98|-94.67
Topeka|KS|39.05|-95.68
Wichita|KS|37.69|-97.34
Bowling Green|KY|36.99|-86.44
Frankfort|KY|38.20|-84.87
Lexington|KY|38.04|-84.50
Louisville|KY|38.25|-85.76
Baton Rouge|LA|30.45|-91.19
Lafayette|LA|30.22|-92.02
Lake Charles|LA|30.23|-93.22
Metairie|LA|29.98|-90.15
New Orleans|LA|29.95|-90.07
Shreveport|LA|32.53|-93.75
Boston|MA|42.36|-71.06
Cambridge|MA|42.37|-71.11
Lowell|MA|42.63|-71.32
Salem|MA|42.52|-70.90
Springfield|MA|42.10|-72.59
Worcester|MA|42.26|-71.80
Annapolis|MD|38.98|-76.49
Baltimore|MD|39.29|-76.61
Augusta|ME|44.31|-69.78
Portland|ME|43.66|-70.26
Ann Arbor|MI|42.28|-83.74
Dearborn|MI|42.32|-83.18
Detroit|MI|42.33|-83.05
Flint|MI|43.01|-83.69
Grand Rapids|MI|42.96|-85.67
Lansing|MI|42.73|-84.56
Sterling Heights|MI|42.58|-83.03
Warren|MI|42.49|-83.03
Bloomington|MN|44.84|-93.30
Duluth|MN|46.79|-92.10
Minneapolis|MN|44.98|-93.27
Rochester|MN|44.02|-92.47
St. Paul|MN|44.95|-93.09
Columbia|MO|38.95|-92.33
Jefferson City|MO|38.58|-92.17
Kansas City|MO|39.10|-94.58
Springfield|MO|37.21|-93.29
St. Louis|MO|38.63|-90.20
Biloxi|MS|30.40|-88.89
Gulfport|MS|30.37|-89.09
Jackson|MS|32.30|-90.18
Billings|MT|45.78|-108.50
Bozeman|MT|45.68|-111.04
Helena|MT|46.59|-112.04
Missoula|MT|46.87|-113.99
Asheville|NC|35.60|-82.55
Cary|NC|35.79|-78.78
Charlotte|NC|35.23|-80.84
Durham|NC|35.99|-78.90
Fayetteville|NC|35.05|-78.88
Greensboro|NC|36.07|-79.79
Greenville|NC|35.61|-77.37
High Point|NC|35.96|-80.01
Raleigh|NC|35.78|-78.64
Wilmington|NC|34.23|-77.94
Winston-Salem|NC|36.10|-80.24
Bismarck|ND|46.81|-100.78
Fargo|ND|46.88|-96.79
Grand Island|NE|40.93|-98.34
Lincoln|NE|40.81|-96.70
Omaha|NE|41.26|-95.93
Concord|NH|43.21|-71.54
Manchester|NH|42.99|-71.46
Atlantic City|NJ|39.36|-74.42
Camden|NJ|39.93|-75.12
Edison|NJ|40.52|-74.41
Hoboken|NJ|40.74|-74.03
Jersey City|NJ|40.72|-74.08
Newark|NJ|40.74|-74.17
Paterson|NJ|40.92|-74.17
Princeton|NJ|40.35|-74.66
Trenton|NJ|40.22|-74.76
Albuquerque|NM|35.08|-106.65
Las Cruces|NM|32.32|-106.76
Santa Fe|NM|35.69|-105.94
Carson City|NV|39.16|-119.77
Henderson|NV|36.04|-114.98
Las Vegas|NV|36.17|-115.14
North Las Vegas|NV|36.20|-115.12
Reno|NV|39.53|-119.81
Albany|NY|42.65|-73.76
Bronx|NY|40.84|-73.87
Brooklyn|NY|40.68|-73.94
Buffalo|NY|42.89|-78.88
Ithaca|NY|42.44|-76.50
Manhattan|NY|40.78|-73.97
New York|NY|40.71|-74.01
Queens|NY|40.73|-73.79
Rochester|NY|43.16|-77.61
Staten Island|NY|40.58|-74.15
Syracuse|NY|43.05|-76.15
White Plains|NY|41.03|-73.76
Yonkers|NY|40.93|-73.90
Akron|OH|41.08|-81.52
Canton|OH|40.80|-81.38
Cincinnati|OH|39.10|-84.51
Cleveland|OH|41.50|-81.69
Columbus|OH|39.96|-83.00
Dayton|OH|39.76|-84.19
Toledo|OH|41.65|-83.54
Youngstown|OH|41.10|-80.65
Norman|OK|35.22|-97.44
Oklahoma City|OK|35.47|-97.52
Tulsa|OK|36.15|-95.99
Bend|OR|44.06|-121.31
Eugene|OR|44.05|-123.09
Medford|OR|42.33|-122.87
Portland|OR|45.52|-122.68
Salem|OR|44.94|-123.04
Allentown|PA|40.60|-75.47
Erie|PA|42.13|-80.09
Harrisburg|PA|40.27|-76.88
Lancaster|PA|40.04|-76.31
Philadelphia|PA|39.95|-75.17
Pittsburgh|PA|40.44|-80.00
Scranton|PA|41.41|-75.66
San Juan|PR|18.47|-66.11
Newport|RI|41.49|-71.31
Providence|RI|41.82|-71.41
Warwick|RI|41.70|-71.42
Charleston|SC|32.78|-79.93
Columbia|SC|34.00|-81.03
Greenville|SC|34.85|-82.40
Hilton Head Island|SC|32.22|-80.75
Myrtle Beach|SC|33.69|-78.89
Pierre|SD|44.37|-100.35
Rapid City|SD|44.08|-103.23
Sioux Falls|SD|43.54|-96.73
Chattanooga|TN|35.05|-85.31
Clarksville|TN|36.53|-87.36
Franklin|TN|35.93|-86.87
Jackson|TN|35.61|-88.81
Johnson City|TN|36.31|-82.35
Knoxville|TN|35.96|-83.92
Memphis|TN|35.15|-90.05
Murfreesboro|TN|35.85|-86.39
Nashville|TN|36.16|-86.78
Abilene|TX|32.45|-99.73
Amarillo|TX|35.22|-101.83
Arlington|TX|32.74|-97.11
Austin|TX|30.27|-97.74
Beaumont|TX|30.08|-94.13
Brownsville|TX|25.90|-97.50
Cedar Park|TX|30.51|-97.82
College Station|TX|30.63|-96.33
Corpus Christi|TX|27.80|-97.40
Dallas|TX|32.78|-96.80
Denton|TX|33.21|-97.13
El Paso|TX|31.76|-106.49
Fort Worth|TX|32.76|-97.33
Frisco|TX|33.15|-96.82
Galveston|TX|29.30|-94.80
Garland|TX|32.91|-96.64
Georgetown|TX|30.63|-97.68
Grand Prairie|TX|32.75|-97.00
Houston|TX|29.76|-95.37
Irving|TX|32.81|-96.95
Katy|TX|29.79|-95.82
Killeen|TX|31.12|-97.73
Laredo|TX|27.53|-99.49
Lubbock|TX|33.58|-101.86
McAllen|TX|26.20|-98.23
McKinney|TX|33.20|-96.64
Mesquite|TX|32.77|-96.60
Midland|TX|32.00|-102.08
New Braunfels|TX|29.70|-98.12
Odessa|TX|31.85|-102.37
Pasadena|TX|29.69|-95.21
Pflugerville|TX|30.44|-97.62
Plano|TX|33.02|-96.70
Round Rock|TX|30.51|-97.68
San Antonio|TX|29.42|-98.49
San Marcos|TX|29.88|-97.94
Sugar Land|TX|29.62|-95.63
The Woodlands|TX|30.17|-95.50
Tyler|TX|32.35|-95.30
Waco|TX|31.55|-97.15
Ogden|UT|41.22|-111.97
Provo|UT|40.23|-111.66
Salt Lake City|UT|40.76|-111.89
St. George|UT|37.10|-113.58
Alexandria|VA|38.80|-77.05
Arlington|VA|38.88|-77.10
Charlottesville|VA|38.03|-78.48
Chesapeake|VA|36.77|-76.29
Newport News|VA|37.09|-76.47
Norfolk|VA|36.85|-76.29
Richmond|VA|37.54|-77.44
Roanoke|VA|37.27|-79.94
Virginia Beach|VA|36.85|-75.98
Burlington|VT|44.48|-73.21
Montpelier|VT|44.26|-72.58
Bellevue|WA|47.61|-122.20
Bellingham|WA|48.75|-122.48
Everett|WA|47.98|-122.20
Olympia|WA|47.04|-122.90
Seattle|WA|47.61|-122.33
Spokane|WA|47.66|-117.43
Tacoma|WA|47.25|-122.44
Vancouver|WA|45.64|-122.66
Yakima|WA|46.60|-120.51
Green Bay|WI|44.51|-88.02
Kenosha|WI|42.58|-87.82
Madison|WI|43.07|-89.40
Milwaukee|WI|43.04|-87.91
Charleston|WV|38.35|-81.63
Huntington|WV|38.42|-82.45
Morgantown|WV|39.63|-79.96
Casper|WY|42.87|-106.31
Cheyenne|WY|41.14|-104.82
`;

/** The states (and DC and Puerto Rico) by postal code, for "Portland, OR" and "Portland, Oregon". */
export const usStates: Readonly<Record<string, string>> = {
  AL: 'Alabama',
  AK: 'Alaska',
  AZ: 'Arizona',
  AR: 'Arkansas',
  CA: 'California',
  CO: 'Colorado',
  CT: 'Connecticut',
  DE: 'Delaware',
  DC: 'District of Columbia',
  FL: 'Florida',
  GA: 'Georgia',
  HI: 'Hawaii',
  ID: 'Idaho',
  IL: 'Illinois',
  IN: 'Indiana',
  IA: 'Iowa',
  KS: 'Kansas',
  KY: 'Kentucky',
  LA: 'Louisiana',
  ME: 'Maine',
  MD: 'Maryland',
  MA: 'Massachusetts',
  MI: 'Michigan',
  MN: 'Minnesota',
  MS: 'Mississippi',
  MO: 'Missouri',
  MT: 'Montana',
  NE: 'Nebraska',
  NV: 'Nevada',
  NH: 'New Hampshire',
  NJ: 'New Jersey',
  NM: 'New Mexico',
  NY: 'New York',
  NC: 'North Carolina',
  ND: 'North Dakota',
  OH: 'Ohio',
  OK: 'Oklahoma',
  OR: 'Oregon',
  PA: 'Pennsylvania',
  PR: 'Puerto Rico',
  RI: 'Rhode Island',
  SC: 'South Carolina',
  SD: 'South Dakota',
  TN: 'Tennessee',
  TX: 'Texas',
  UT: 'Utah',
  VT: 'Vermont',
  VA: 'Virginia',
  WA: 'Washington',
  WV: 'West Virginia',
  WI: 'Wisconsin',
  WY: 'Wyoming',
};
