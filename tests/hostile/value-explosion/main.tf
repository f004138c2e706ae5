provider "aws" {
  region = "us-east-1"
}

resource "aws_vpc" "main" {
  cidr_block = "10.0.0.0/16"
}

locals {
  s0 = "0123456789"
  l0 = [local.s0]
  o0 = { v = local.s0 }
  s1 = "${local.s0}${local.s0}"
  l1 = [local.l0, local.l0]
  o1 = { l = local.o0, r = local.o0 }
  s2 = "${local.s1}${local.s1}"
  l2 = [local.l1, local.l1]
  o2 = { l = local.o1, r = local.o1 }
  s3 = "${local.s2}${local.s2}"
  l3 = [local.l2, local.l2]
  o3 = { l = local.o2, r = local.o2 }
  s4 = "${local.s3}${local.s3}"
  l4 = [local.l3, local.l3]
  o4 = { l = local.o3, r = local.o3 }
  s5 = "${local.s4}${local.s4}"
  l5 = [local.l4, local.l4]
  o5 = { l = local.o4, r = local.o4 }
  s6 = "${local.s5}${local.s5}"
  l6 = [local.l5, local.l5]
  o6 = { l = local.o5, r = local.o5 }
  s7 = "${local.s6}${local.s6}"
  l7 = [local.l6, local.l6]
  o7 = { l = local.o6, r = local.o6 }
  s8 = "${local.s7}${local.s7}"
  l8 = [local.l7, local.l7]
  o8 = { l = local.o7, r = local.o7 }
  s9 = "${local.s8}${local.s8}"
  l9 = [local.l8, local.l8]
  o9 = { l = local.o8, r = local.o8 }
  s10 = "${local.s9}${local.s9}"
  l10 = [local.l9, local.l9]
  o10 = { l = local.o9, r = local.o9 }
  s11 = "${local.s10}${local.s10}"
  l11 = [local.l10, local.l10]
  o11 = { l = local.o10, r = local.o10 }
  s12 = "${local.s11}${local.s11}"
  l12 = [local.l11, local.l11]
  o12 = { l = local.o11, r = local.o11 }
  s13 = "${local.s12}${local.s12}"
  l13 = [local.l12, local.l12]
  o13 = { l = local.o12, r = local.o12 }
  s14 = "${local.s13}${local.s13}"
  l14 = [local.l13, local.l13]
  o14 = { l = local.o13, r = local.o13 }
  s15 = "${local.s14}${local.s14}"
  l15 = [local.l14, local.l14]
  o15 = { l = local.o14, r = local.o14 }
  s16 = "${local.s15}${local.s15}"
  l16 = [local.l15, local.l15]
  o16 = { l = local.o15, r = local.o15 }
  s17 = "${local.s16}${local.s16}"
  l17 = [local.l16, local.l16]
  o17 = { l = local.o16, r = local.o16 }
  s18 = "${local.s17}${local.s17}"
  l18 = [local.l17, local.l17]
  o18 = { l = local.o17, r = local.o17 }
  s19 = "${local.s18}${local.s18}"
  l19 = [local.l18, local.l18]
  o19 = { l = local.o18, r = local.o18 }
  s20 = "${local.s19}${local.s19}"
  l20 = [local.l19, local.l19]
  o20 = { l = local.o19, r = local.o19 }
  s21 = "${local.s20}${local.s20}"
  l21 = [local.l20, local.l20]
  o21 = { l = local.o20, r = local.o20 }
  s22 = "${local.s21}${local.s21}"
  l22 = [local.l21, local.l21]
  o22 = { l = local.o21, r = local.o21 }
  s23 = "${local.s22}${local.s22}"
  l23 = [local.l22, local.l22]
  o23 = { l = local.o22, r = local.o22 }
  s24 = "${local.s23}${local.s23}"
  l24 = [local.l23, local.l23]
  o24 = { l = local.o23, r = local.o23 }
  s25 = "${local.s24}${local.s24}"
  l25 = [local.l24, local.l24]
  o25 = { l = local.o24, r = local.o24 }
  s26 = "${local.s25}${local.s25}"
  l26 = [local.l25, local.l25]
  o26 = { l = local.o25, r = local.o25 }
  s27 = "${local.s26}${local.s26}"
  l27 = [local.l26, local.l26]
  o27 = { l = local.o26, r = local.o26 }
  s28 = "${local.s27}${local.s27}"
  l28 = [local.l27, local.l27]
  o28 = { l = local.o27, r = local.o27 }
  s29 = "${local.s28}${local.s28}"
  l29 = [local.l28, local.l28]
  o29 = { l = local.o28, r = local.o28 }
  s30 = "${local.s29}${local.s29}"
  l30 = [local.l29, local.l29]
  o30 = { l = local.o29, r = local.o29 }
  s31 = "${local.s30}${local.s30}"
  l31 = [local.l30, local.l30]
  o31 = { l = local.o30, r = local.o30 }
  s32 = "${local.s31}${local.s31}"
  l32 = [local.l31, local.l31]
  o32 = { l = local.o31, r = local.o31 }
  s33 = "${local.s32}${local.s32}"
  l33 = [local.l32, local.l32]
  o33 = { l = local.o32, r = local.o32 }
  s34 = "${local.s33}${local.s33}"
  l34 = [local.l33, local.l33]
  o34 = { l = local.o33, r = local.o33 }
  s35 = "${local.s34}${local.s34}"
  l35 = [local.l34, local.l34]
  o35 = { l = local.o34, r = local.o34 }
  s36 = "${local.s35}${local.s35}"
  l36 = [local.l35, local.l35]
  o36 = { l = local.o35, r = local.o35 }
  s37 = "${local.s36}${local.s36}"
  l37 = [local.l36, local.l36]
  o37 = { l = local.o36, r = local.o36 }
  s38 = "${local.s37}${local.s37}"
  l38 = [local.l37, local.l37]
  o38 = { l = local.o37, r = local.o37 }
  s39 = "${local.s38}${local.s38}"
  l39 = [local.l38, local.l38]
  o39 = { l = local.o38, r = local.o38 }
  s40 = "${local.s39}${local.s39}"
  l40 = [local.l39, local.l39]
  o40 = { l = local.o39, r = local.o39 }
  s41 = "${local.s40}${local.s40}"
  l41 = [local.l40, local.l40]
  o41 = { l = local.o40, r = local.o40 }
  s42 = "${local.s41}${local.s41}"
  l42 = [local.l41, local.l41]
  o42 = { l = local.o41, r = local.o41 }
  s43 = "${local.s42}${local.s42}"
  l43 = [local.l42, local.l42]
  o43 = { l = local.o42, r = local.o42 }
  s44 = "${local.s43}${local.s43}"
  l44 = [local.l43, local.l43]
  o44 = { l = local.o43, r = local.o43 }
  s45 = "${local.s44}${local.s44}"
  l45 = [local.l44, local.l44]
  o45 = { l = local.o44, r = local.o44 }
  s46 = "${local.s45}${local.s45}"
  l46 = [local.l45, local.l45]
  o46 = { l = local.o45, r = local.o45 }
  s47 = "${local.s46}${local.s46}"
  l47 = [local.l46, local.l46]
  o47 = { l = local.o46, r = local.o46 }
  s48 = "${local.s47}${local.s47}"
  l48 = [local.l47, local.l47]
  o48 = { l = local.o47, r = local.o47 }
  s49 = "${local.s48}${local.s48}"
  l49 = [local.l48, local.l48]
  o49 = { l = local.o48, r = local.o48 }
  s50 = "${local.s49}${local.s49}"
  l50 = [local.l49, local.l49]
  o50 = { l = local.o49, r = local.o49 }
  s51 = "${local.s50}${local.s50}"
  l51 = [local.l50, local.l50]
  o51 = { l = local.o50, r = local.o50 }
  s52 = "${local.s51}${local.s51}"
  l52 = [local.l51, local.l51]
  o52 = { l = local.o51, r = local.o51 }
  s53 = "${local.s52}${local.s52}"
  l53 = [local.l52, local.l52]
  o53 = { l = local.o52, r = local.o52 }
  s54 = "${local.s53}${local.s53}"
  l54 = [local.l53, local.l53]
  o54 = { l = local.o53, r = local.o53 }
  s55 = "${local.s54}${local.s54}"
  l55 = [local.l54, local.l54]
  o55 = { l = local.o54, r = local.o54 }
  s56 = "${local.s55}${local.s55}"
  l56 = [local.l55, local.l55]
  o56 = { l = local.o55, r = local.o55 }
  s57 = "${local.s56}${local.s56}"
  l57 = [local.l56, local.l56]
  o57 = { l = local.o56, r = local.o56 }
  s58 = "${local.s57}${local.s57}"
  l58 = [local.l57, local.l57]
  o58 = { l = local.o57, r = local.o57 }
  s59 = "${local.s58}${local.s58}"
  l59 = [local.l58, local.l58]
  o59 = { l = local.o58, r = local.o58 }
  s60 = "${local.s59}${local.s59}"
  l60 = [local.l59, local.l59]
  o60 = { l = local.o59, r = local.o59 }
}

resource "aws_instance" "web" {
  ami           = "ami-12345678"
  instance_type = "t3.micro"
  user_data     = jsonencode([local.s60, local.l60, local.o60])
  tags          = { s = local.s60, l = join(",", flatten(local.l60)) }
}
